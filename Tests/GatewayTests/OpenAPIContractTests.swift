import Curl
import FakeGraph
import Foundation
import HeraldCore
import Logging
import Messenger
import Postgres
import TestSupport
import Testing
import Workers
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// docs/openapi.yaml against the running gateway: every documented operation is served and every
/// served route is documented; every `x-contract-cases` request of the document gets the answer it
/// documents, and each answer's status, error code, required headers and JSON body match the
/// description (see `ContractSchemaValidator` for the JSON Schema subset checked).
@Suite("docs/openapi.yaml matches the gateway")
struct OpenAPIContractTests {
    /// Every route GatewayApplication registers (WebhookRoutes, HealthRoutes, StaticRoutes,
    /// V1Routes, V1SendRoutes, AdminPageRoutes, AdminBlockedURLRoutes, AdminWebhookEventRoutes, and
    /// the stream and customer list routes), as `METHOD /path` with the router's parameter names. A route added to the
    /// gateway is added here and to the document; the test fails until both agree.
    static let registeredRoutes: Set<String> = [
        "GET /webhook", "POST /webhook",
        "GET /healthz", "GET /readyz", "GET /metrics",
        "GET /openapi.yaml", "GET /console", "GET /console/{file}",
        "GET /v1/pages/{page_id}/customers",
        "GET /v1/pages/{page_id}/customers/{psid}",
        "GET /v1/pages/{page_id}/customers/{psid}/messages",
        "POST /v1/pages/{page_id}/customers/{psid}/messages",
        "POST /v1/pages/{page_id}/customers/{psid}/actions",
        "GET /v1/messages/{id}",
        "POST /v1/messages/{id}/resend",
        "GET /v1/notifications",
        "GET /v1/stream",
        "PUT /admin/pages/{page_id}", "GET /admin/pages",
        "GET /admin/blocked-urls", "POST /admin/blocked-urls/release",
        "GET /admin/webhook-events", "GET /admin/webhook-events/{id}", "POST /admin/webhook-events/{id}/retry",
        "POST /admin/webhook-events/retry",
        "GET /v1/me", "POST /admin/supporters", "GET /admin/supporters", "DELETE /admin/supporters/{id}",
        "POST /admin/supporters/{id}/token",
    ]

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// The document as committed (the gateway serves these same bytes; `served` checks that).
    static func document() throws -> ContractJSON {
        let url = RepositoryPaths.root.appendingPathComponent("docs/openapi.yaml")
        return try ContractJSON.parseYAML(try String(contentsOf: url, encoding: .utf8))
    }

    /// Every operation of the document as `METHOD /path`, for the parameterized test.
    /// Throws when the document cannot be read, so a broken file fails the tests instead of giving none.
    static func operationKeys() throws -> [String] {
        guard let paths = try document()["paths"]?.object else { throw ContractDocumentError.noPaths }
        return paths.keys.sorted().flatMap { path in
            methods.filter { paths[path]?[$0] != nil }.map { "\($0.uppercased()) \(path)" }
        }
    }

    // MARK: - The document

    @Test("the document is OpenAPI 3.1, its schemas use only what the validator checks, and every $ref resolves")
    func wellFormed() throws {
        let document = try Self.document()
        #expect(document["openapi"]?.string?.hasPrefix("3.1.") == true)
        #expect(document["info"]?["title"]?.string == "Herald")
        let validator = ContractSchemaValidator(document: document)
        var problems: [String] = []
        for (name, schema) in document["components"]?["schemas"]?.object ?? [:] {
            problems += validator.lint(schema, at: "#/components/schemas/\(name)")
        }
        forEachSchema(in: document) { schema, path in problems += validator.lint(schema, at: path) }
        problems += unresolvedReferences(document, validator: validator, at: "#")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        for (name, scheme) in document["components"]?["securitySchemes"]?.object ?? [:] {
            #expect(scheme["type"]?.string != nil, "securityScheme \(name)")
        }
    }

    @Test(
        "every documented status has a case (or, for outages, says why not); case error codes are in the descriptions")
    func casesCoverStatuses() throws {
        let document = try Self.document()
        let validator = ContractSchemaValidator(document: document)
        var operations = 0
        var cases = 0
        var skipped: [String] = []
        for key in try Self.operationKeys() {
            let operation = try #require(ContractOperation(key: key, document: document, validator: validator))
            operations += 1
            cases += operation.cases.count
            let exercised = Set(operation.cases.compactMap { $0["status"]?.number.map { String(Int($0)) } })
            for (status, response) in operation.responses {
                if exercised.contains(status) { continue }
                if response["x-contract-skip"]?.string != nil {
                    skipped.append("\(key) \(status)")
                } else {
                    Issue.record(
                        "\(key): documented status \(status) has no x-contract-cases entry and no x-contract-skip")
                }
            }
            for (index, contractCase) in operation.cases.enumerated() {
                let label = "\(key) case \(index) (\(contractCase["name"]?.string ?? "unnamed"))"
                #expect(contractCase["name"]?.string != nil, "\(label): no name")
                let unknown = Set(contractCase.object?.keys.map { $0 } ?? []).subtracting(ContractCase.keys)
                #expect(unknown.isEmpty, "\(label): unknown keys \(unknown.sorted())")
                guard let status = contractCase["status"]?.number.map({ String(Int($0)) }) else {
                    Issue.record("\(label): no status")
                    continue
                }
                guard let response = operation.responses[status] else {
                    Issue.record("\(label): status \(status) is not documented for the operation")
                    continue
                }
                if let code = contractCase["error"]?.string {
                    let description = response["description"]?.string ?? ""
                    #expect(
                        description.contains("`\(code)`"), "\(label): \(status)'s description does not name `\(code)`")
                }
            }
        }
        #expect(operations == Self.registeredRoutes.count)
        #expect(cases > 0)
        // Only outages go without a case: a stopped database, a full queue or stream, a shutdown.
        #expect(skipped.allSatisfy { $0.hasSuffix(" 503") }, "skipped: \(skipped.sorted())")
    }

    // MARK: - Against the server

    @Test("every documented operation is routed, every registered route is documented, /openapi.yaml is the document")
    func routes() async throws {
        let document = try Self.document()
        let documented = Set(try Self.operationKeys())
        #expect(
            documented.subtracting(Self.registeredRoutes).isEmpty,
            "documented but not in the gateway's route list: \(documented.subtracting(Self.registeredRoutes).sorted())")
        #expect(
            Self.registeredRoutes.subtracting(documented).isEmpty,
            "served but not documented: \(Self.registeredRoutes.subtracting(documented).sorted())")
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let served = try await gateway.get("/openapi.yaml")
                let file = try Data(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/openapi.yaml"))
                let same = served.body == Array(file)
                #expect(same, "GET /openapi.yaml serves docs/openapi.yaml byte for byte")
                let parsed = try ContractJSON.parseYAML(served.text)
                #expect(parsed == document, "GET /openapi.yaml parses to the document")

                // The router answers an unknown route 404 "no such route"; a known path with another
                // method 404 or 405. No token: /v1 and /admin answer 401 only on routes they have.
                let unknown = try await gateway.get("/v1/no-such-route")
                let told = Self.isUnrouted(unknown)
                #expect(told, "the probe tells an unknown route: \(unknown.status) \(unknown.text)")
                for key in Self.registeredRoutes.union(documented).sorted() {
                    let (method, path) = Self.split(key)
                    guard let curlMethod = HTTPRequest.Method(rawValue: method) else {
                        Issue.record("\(key): the test's HTTP client has no \(method)")
                        continue
                    }
                    let concrete = path.replacingOccurrences(of: "{page_id}", with: "104857600012345")
                        .replacingOccurrences(of: "{psid}", with: "alice").replacingOccurrences(of: "{id}", with: "1")
                        .replacingOccurrences(of: "{file}", with: "console.js")
                    // Without a token, and with a signature that does not parse, nothing is done.
                    let response = try await gateway.client.execute(
                        HTTPRequest(method: curlMethod, url: gateway.url(concrete), body: curlMethod == .get ? nil : [])
                    )
                    let routed = !Self.isUnrouted(response)
                    #expect(routed, "\(key) is not routed: \(response.status) \(response.text)")
                }
            }
        }
    }

    @Test("each operation answers its documented cases", arguments: try OpenAPIContractTests.operationKeys())
    func documentedCases(_ key: String) async throws {
        let document = try Self.document()
        let validator = ContractSchemaValidator(document: document)
        let operation = try #require(ContractOperation(key: key, document: document, validator: validator))
        var logger = Logger(label: "fake-graph.contract")
        logger.logLevel = .warning
        let graph = try await FakeGraphServer.start(
            configuration: FakeGraphConfiguration(pageID: ContractDataSet.page, pageName: "Shop"), logger: logger)
        let graphClient = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(5), threadCount: 1))
        defer { graphClient.shutdown() }
        do {
            try await TestDatabase.withSchema { schema in
                try ContractDataSet.load(into: schema.connect())
                let checker = GraphHTTPClient(
                    graphBaseURL: graph.baseURL, version: "v25.0", appSecret: Array("app-secret".utf8),
                    client: graphClient)
                let actions = GraphHTTPClient(
                    graphBaseURL: graph.baseURL, version: "v25.0", appSecret: Array("app-secret".utf8),
                    client: graphClient)
                let subscriber = GraphHTTPClient(
                    graphBaseURL: graph.baseURL, version: "v25.0", appSecret: Array("app-secret".utf8),
                    client: graphClient)
                try await TestGateway.with(
                    database: schema.configuration, tokenChecker: checker, pageSubscriber: subscriber,
                    senderActions: actions
                ) { gateway in
                    for (index, raw) in operation.cases.enumerated() {
                        let contractCase = try ContractCase(raw, operation: operation)
                        let label = "\(key) case \(index) “\(contractCase.name)”"
                        try await run(contractCase, of: operation, on: gateway, validator: validator, label: label)
                    }
                }
            }
            await graph.stop()
        } catch {
            await graph.stop()
            throw error
        }
    }

    func run(
        _ contractCase: ContractCase, of operation: ContractOperation, on gateway: TestGateway,
        validator: ContractSchemaValidator, label: String
    ) async throws {
        let request = contractCase.request(gateway: gateway)
        let response: HTTPResponse
        if contractCase.stream {
            response = try await StreamHead.fetch(port: gateway.port, request: request)
        } else {
            response = try await gateway.client.execute(request)
        }
        let summary = "\(label): \(response.status) \(String(decoding: response.body.prefix(600), as: UTF8.self))"
        guard response.status == contractCase.status else {
            Issue.record("\(summary): expected \(contractCase.status)")
            return
        }
        guard let documented = operation.responses[String(response.status)] else {
            Issue.record("\(summary): status \(response.status) is not documented")
            return
        }

        // Required headers, and their values where the document lists them.
        for (name, header) in documented["headers"]?.object ?? [:] {
            let header = header["$ref"]?.string.flatMap(validator.resolve) ?? header
            guard header["required"]?.bool == true else { continue }
            guard let value = response.header(name) else {
                Issue.record("\(summary): required header \(name) is missing")
                continue
            }
            if let schema = header["schema"] {
                let number = schema["type"]?.string == "integer" ? Double(value) : nil
                let typed: ContractJSON = number.map { .number($0) } ?? .string(value)
                let errors = validator.validate(typed, against: schema, at: name)
                #expect(errors.isEmpty, "\(summary): \(errors.joined(separator: "; "))")
            }
        }

        // The media type is one the response documents; a JSON body matches its schema.
        let content = documented["content"]?.object ?? [:]
        let mediaType =
            response.header("Content-Type")?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if !content.isEmpty {
            #expect(
                content[mediaType] != nil, "\(summary): Content-Type \(mediaType) is not among \(content.keys.sorted())"
            )
        }
        if contractCase.stream {
            if let expected = contractCase.streamEvents {
                try await checkEvents(
                    expected, contractCase, documented, on: gateway, validator: validator, label: label)
            }
            return
        }
        if let expected = contractCase.bodyEquals {
            #expect(String(decoding: response.body, as: UTF8.self) == expected, "\(summary)")
        }
        guard mediaType == "application/json" else {
            let expectsJSON = contractCase.bodyHas != nil || contractCase.error != nil
            #expect(!expectsJSON, "\(label): JSON expectations on a \(mediaType) answer")
            return
        }
        guard let body = ContractJSON.parse(response.body) else {
            Issue.record("\(summary): the body is not JSON")
            return
        }
        if let schema = content[mediaType]?["schema"] {
            let errors = validator.validate(body, against: schema)
            #expect(
                errors.isEmpty,
                "\(label): the body does not match the documented schema:\n\(errors.joined(separator: "\n"))\n\(body.jsonText)"
            )
        }
        if let code = contractCase.error {
            #expect(body["error"]?["code"]?.string == code, "\(summary)")
        }
        if let expected = contractCase.bodyHas {
            let mismatches = ContractCase.mismatches(expected: expected, actual: body, at: "$")
            #expect(mismatches.isEmpty, "\(label): \(mismatches.joined(separator: "; "))\n\(body.jsonText)")
        }
        for path in contractCase.bodyNotNull {
            var value: ContractJSON? = body
            for key in path.split(separator: ".") { value = value?[String(key)] }
            #expect(value != nil && value != .null, "\(label): \(path) is null or missing")
        }
        // A request the server accepted is one the document's request schema accepts.
        if contractCase.status < 300, let sent = contractCase.body,
            let schema = operation.object["requestBody"]?["content"]?["application/json"]?["schema"]
        {
            let errors = validator.validate(sent, against: schema, at: "request")
            #expect(
                errors.isEmpty, "\(label): the request body does not match the documented request schema: \(errors)")
        }
    }

    /// Reads the stream's first events (on a connection of their own) and checks their names, in
    /// order, their increasing ids, and each `data:` against the response's `x-events` schema.
    func checkEvents(
        _ expected: [String], _ contractCase: ContractCase, _ documented: ContractJSON, on gateway: TestGateway,
        validator: ContractSchemaValidator, label: String
    ) async throws {
        let request = contractCase.request(gateway: gateway)
        var headers: [String: String] = [:]
        for header in request.headers { headers[header.name] = header.value }
        let path = request.url.replacingOccurrences(of: gateway.url(""), with: "")
        let client = try SSEClient(port: gateway.port, path: path, headers: headers)
        defer { client.close() }
        let arrived = await client.wait(timeout: .seconds(10)) { messages in
            messages.filter { $0.comment == nil }.count >= expected.count
        }
        let events = client.events
        #expect(arrived, "\(label): \(events.count) events within 10 s, expected \(expected.count)")
        let names = events.map { $0.event ?? "message" }
        #expect(names == expected, "\(label): events \(names)")
        let ids = events.compactMap { $0.id.flatMap { Int64($0) } }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "\(label): ids \(ids) do not increase")
        let schemas = documented["x-events"]?.object ?? [:]
        for event in events {
            let name = event.event ?? "message"
            guard let schema = schemas[name] else {
                Issue.record("\(label): event \(name) is not among the documented x-events")
                continue
            }
            #expect(name == "stream.reset" || event.id != nil, "\(label): \(name) has no id")
            guard let data = ContractJSON.parse(Array((event.data ?? "").utf8)) else {
                Issue.record("\(label): \(name)'s data is not JSON: \(event.data ?? "none")")
                continue
            }
            let errors = validator.validate(data, against: schema, at: name)
            #expect(errors.isEmpty, "\(label): \(errors.joined(separator: "; "))\n\(data.jsonText)")
        }
    }

    // MARK: - Helpers

    static func split(_ key: String) -> (String, String) {
        let parts = key.split(separator: " ", maxSplits: 1)
        return (String(parts[0]), String(parts[1]))
    }

    /// The router's own 404 (no route matched) or 405 (the path exists with other methods).
    static func isUnrouted(_ response: HTTPResponse) -> Bool {
        if response.status == 405 { return true }
        guard response.status == 404, let body = ContractJSON.parse(response.body) else { return false }
        return body["error"]?["code"]?.string == "not_found" && body["error"]?["message"]?.string == "no such route"
    }

    /// Calls `body` with every schema an operation, parameter, header or request/response body uses.
    func forEachSchema(in document: ContractJSON, _ body: (ContractJSON, String) -> Void) {
        func visit(_ value: ContractJSON, at path: String) {
            if let object = value.object {
                for (key, child) in object {
                    let here = path + "/" + key
                    if key == "schema" { body(child, here) } else if !key.hasPrefix("x-") { visit(child, at: here) }
                }
            } else if let array = value.array {
                for (index, child) in array.enumerated() { visit(child, at: "\(path)/\(index)") }
            }
        }
        visit(document["paths"] ?? .null, at: "#/paths")
        for section in ["parameters", "headers", "responses", "requestBodies"] {
            visit(document["components"]?[section] ?? .null, at: "#/components/\(section)")
        }
    }

    func unresolvedReferences(_ value: ContractJSON, validator: ContractSchemaValidator, at path: String) -> [String] {
        if let object = value.object {
            return object.flatMap { key, child -> [String] in
                if key == "$ref" {
                    let resolved = child.string.flatMap(validator.resolve) != nil
                    return resolved ? [] : ["\(path): $ref \(child.jsonText) does not resolve"]
                }
                return unresolvedReferences(child, validator: validator, at: path + "/" + key)
            }
        }
        if let array = value.array {
            return array.enumerated().flatMap {
                unresolvedReferences($0.element, validator: validator, at: "\(path)/\($0.offset)")
            }
        }
        return []
    }
}

/// One operation of the document: its object, responses (references resolved) and cases.
struct ContractOperation {
    let key: String
    let method: String
    let path: String
    let object: ContractJSON
    let responses: [String: ContractJSON]
    let cases: [ContractJSON]

    init?(key: String, document: ContractJSON, validator: ContractSchemaValidator) {
        let (method, path) = OpenAPIContractTests.split(key)
        guard let object = document["paths"]?[path]?[method.lowercased()] else { return nil }
        self.key = key
        self.method = method
        self.path = path
        self.object = object
        var responses: [String: ContractJSON] = [:]
        for (status, response) in object["responses"]?.object ?? [:] {
            responses[status] = response["$ref"]?.string.flatMap(validator.resolve) ?? response
        }
        self.responses = responses
        cases = object["x-contract-cases"]?.array ?? []
    }

    /// The bearer token its security requirement names, if any.
    var bearerToken: String? {
        let schemes = (object["security"]?.array ?? []).flatMap { $0.object?.keys.map { $0 } ?? [] }
        if schemes.contains("apiToken") { return TestGateway.apiToken }
        if schemes.contains("adminToken") { return TestGateway.adminToken }
        return nil
    }
}

/// One `x-contract-cases` entry: a request and what its answer must be.
struct ContractCase {
    static let keys: Set<String> = [
        "name", "path", "headers", "auth", "body", "raw_body", "body_bytes", "stream", "stream_events", "status",
        "error",
        "body_has", "body_equals", "body_not_null",
    ]

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    let operation: ContractOperation
    let name: String
    let path: String
    let headers: [(String, String)]
    let auth: Bool
    let body: ContractJSON?
    let rawBody: [UInt8]?
    let stream: Bool
    /// The names of the first events a stream sends, in order.
    let streamEvents: [String]?
    let status: Int
    let error: String?
    let bodyHas: ContractJSON?
    let bodyEquals: String?
    let bodyNotNull: [String]

    init(_ raw: ContractJSON, operation: ContractOperation) throws {
        guard let status = raw["status"]?.number else {
            throw Invalid(description: "\(operation.key): a case without status")
        }
        self.operation = operation
        name = raw["name"]?.string ?? "unnamed"
        path = raw["path"]?.string ?? operation.path
        headers = (raw["headers"]?.object ?? [:]).sorted { $0.key < $1.key }
            .map { ($0.key, $0.value.string ?? $0.value.jsonText) }
        auth = raw["auth"]?.string != "none"
        body = raw["body"]
        if let text = raw["raw_body"]?.string {
            rawBody = Array(text.utf8)
        } else if let count = raw["body_bytes"]?.number {
            rawBody = [UInt8](repeating: UInt8(ascii: "x"), count: Int(count))
        } else {
            rawBody = nil
        }
        stream = raw["stream"]?.bool ?? false
        streamEvents = raw["stream_events"]?.array?.compactMap(\.string)
        self.status = Int(status)
        error = raw["error"]?.string
        bodyHas = raw["body_has"]
        bodyEquals = raw["body_equals"]?.string
        bodyNotNull = raw["body_not_null"]?.array?.compactMap(\.string) ?? []
    }

    var bodyBytes: [UInt8]? { rawBody ?? body.map { Array($0.jsonText.utf8) } }

    func request(gateway: TestGateway) -> HTTPRequest {
        let bytes = bodyBytes
        func fill(_ text: String) -> String {
            var text = text.replacingOccurrences(of: "{verify_token}", with: TestGateway.verifyToken)
                .replacingOccurrences(of: "{api_token}", with: TestGateway.apiToken)
                .replacingOccurrences(of: "{admin_token}", with: TestGateway.adminToken)
                .replacingOccurrences(of: "{supporter_token}", with: ContractDataSet.supporterToken)
            if text.contains("{signature}") {
                let signature = WebhookSignature(appSecret: Array(gateway.appSecret.utf8)).headerValue(for: bytes ?? [])
                text = text.replacingOccurrences(of: "{signature}", with: signature)
            }
            return text
        }
        var headers = headers.map { HTTPHeader(name: $0.0, value: fill($0.1)) }
        if auth, let token = operation.bearerToken,
            !headers.contains(where: { $0.name.lowercased() == "authorization" })
        {
            headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)"))
        }
        if bytes != nil { headers.append(HTTPHeader(name: "Content-Type", value: "application/json")) }
        let method = HTTPRequest.Method(rawValue: operation.method) ?? .get
        return HTTPRequest(
            method: method, url: gateway.url(fill(path)), headers: headers, body: method == .get ? nil : (bytes ?? []))
    }

    /// Where `actual` differs from `expected`: objects by the expected keys only, arrays item by
    /// item and of the same length, everything else by value.
    static func mismatches(expected: ContractJSON, actual: ContractJSON?, at path: String) -> [String] {
        guard let actual else { return ["\(path) is missing"] }
        switch expected {
        case .object(let fields):
            guard actual.object != nil else { return ["\(path) is \(actual.jsonText), not an object"] }
            return fields.sorted { $0.key < $1.key }.flatMap {
                mismatches(expected: $0.value, actual: actual[$0.key], at: "\(path).\($0.key)")
            }
        case .array(let items):
            guard let actualItems = actual.array else { return ["\(path) is \(actual.jsonText), not an array"] }
            guard actualItems.count == items.count else {
                return ["\(path) has \(actualItems.count) items, expected \(items.count)"]
            }
            return zip(items, actualItems).enumerated().flatMap {
                mismatches(expected: $0.element.0, actual: $0.element.1, at: "\(path)[\($0.offset)]")
            }
        default:
            return expected == actual ? [] : ["\(path) is \(actual.jsonText), expected \(expected.jsonText)"]
        }
    }
}

/// The rows the cases of docs/openapi.yaml are written against (its `info.description` tells them).
enum ContractDataSet {
    static let page = "104857600012345"
    static let webhookOnlyPage = "200000000000002"
    static let blockedURL = "https://shop.example/sale"
    /// Supporter 5001's token (only its SHA-256 is stored, as Herald stores them).
    static let supporterToken = "hs_contract-lan-0123456789abcdefghijklmnopqrstuv"

    static func load(into connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO pages (id, name, access_token, token_status, connected_at, subscribed_fields)
            VALUES ($1, 'Shop', 'good-token'::bytea, 'valid', now() - interval '7 days',
                    ARRAY['messages', 'messaging_postbacks', 'message_deliveries', 'message_reads', 'message_echoes',
                          'message_reactions'])
            """, [page])
        try connection.query(
            "INSERT INTO pages (id, last_webhook_at) VALUES ($1, now() - interval '1 hour')", [webhookOnlyPage])
        try connection.query(
            """
            INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages,
                                   first_name, last_name, name, profile_pic, profile_status, profile_fetched_at)
            VALUES ($1, 'alice', now() - interval '3 days', now() - interval '1 hour', now() - interval '1 hour', 2,
                    'Alice', 'Nguyễn', 'Alice Nguyễn', 'https://cdn.example/alice.jpg', 'fetched', now() - interval '1 hour'),
                   ($1, 'bob', now() - interval '5 days', now() - interval '2 days', now() - interval '2 days', 1,
                    NULL, NULL, NULL, NULL, 'pending', NULL)
            """, [page])
        try connection.query(
            """
            INSERT INTO messages (id, page_id, psid, mid, direction, author, content, status, event_timestamp, created_at)
            OVERRIDING SYSTEM VALUE
            VALUES (1001, $1, 'alice', 'm_1001', 'inbound', 'customer', '{"mid": "m_1001", "text": "hello"}', 'received',
                    now() - interval '1 hour', now() - interval '1 hour')
            """, [page])
        try connection.query(
            """
            INSERT INTO supporters (id, name, email, token_hash, created_at, revoked_at) OVERRIDING SYSTEM VALUE
            VALUES (5001, 'Lan', 'lan@shop.example', sha256(convert_to($1, 'UTF8')), now() - interval '30 days', NULL),
                   (5002, 'Minh', NULL, sha256(convert_to('minh', 'UTF8')), now() - interval '30 days', now() - interval '1 day')
            """, [supporterToken])
        try connection.query(
            """
            INSERT INTO messages (id, page_id, psid, mid, direction, author, content, status, attempts, idempotency_key,
                                  created_at, sent_at, sent_by, sent_by_supporter_id)
            OVERRIDING SYSTEM VALUE
            VALUES (1002, $1, 'alice', 'm_1002', 'outbound', 'supporter', '{"text": "Hi Alice"}', 'sent', 1, 'order-1002',
                    now() - interval '55 minutes', now() - interval '55 minutes', 'supporter', 5001)
            """, [page])
        try connection.query(
            """
            INSERT INTO messages (id, page_id, psid, direction, author, content, status, failure_reason, failure_detail,
                                  graph_code, graph_subcode, failed_at, attempts, created_at)
            OVERRIDING SYSTEM VALUE
            VALUES (1003, $1, 'alice', 'outbound', 'supporter', '{"text": "Still there?"}', 'failed', 'rate_limited',
                    'Graph throttled the page', 613, NULL, now() - interval '50 minutes', 8, now() - interval '50 minutes'),
                   (1004, $1, 'alice', 'outbound', 'supporter', '{"text": ""}', 'failed', 'invalid_format',
                    'text is empty', NULL, NULL, now() - interval '45 minutes', 0, now() - interval '45 minutes'),
                   (1005, $1, 'alice', 'outbound', 'supporter', '{"text": "See https://shop.example/sale"}', 'failed',
                    'url_blacklisted', 'the URL is blocked', 368, 1609005, now() - interval '40 minutes', 1,
                    now() - interval '40 minutes')
            """, [page])
        try connection.query(
            """
            INSERT INTO notifications (id, kind, page_id, psid, raised_at) OVERRIDING SYSTEM VALUE
            VALUES (2001, 'customer_inactive', $1, 'bob', now() - interval '1 day')
            """, [page])
        try connection.query(
            """
            INSERT INTO blocked_urls (url, blocked_at, next_probe_at)
            VALUES ($1, now() - interval '40 minutes', now() - interval '25 minutes')
            """, [blockedURL])
        try connection.query("INSERT INTO message_blocked_urls (message_id, url) VALUES (1005, $1)", [blockedURL])
        try loadWebhookEvents(into: connection)
    }

    /// Stored webhooks 3001 (processed), 3002 (parked, not JSON), 3003 (parked, another object)
    /// and 3004 (pending), oldest first.
    static func loadWebhookEvents(into connection: PostgresConnection) throws {
        let processed =
            #"{"object":"page","entry":[{"id":"104857600012345","time":1764140400000,"messaging":"#
            + #"[{"sender":{"id":"alice"},"recipient":{"id":"104857600012345"},"timestamp":1764140400000,"#
            + #""message":{"mid":"m_1001","text":"hello"}}]}]}"#
        let instagram = #"{"object":"instagram","entry":[{"id":"17841400000000000","time":1764140400000}]}"#
        let pending = #"{"object":"page","entry":[{"id":"104857600012345","time":1764144000000,"messaging":[]}]}"#
        try connection.query(
            """
            INSERT INTO webhook_events (id, received_at, body, state, attempts, processed_at, last_error)
            OVERRIDING SYSTEM VALUE
            VALUES (3001, now() - interval '2 hours', convert_to($1, 'UTF8'), 'processed', 1, now() - interval '2 hours', NULL),
                   (3002, now() - interval '90 minutes', $2, 'parked', 1, now() - interval '90 minutes',
                    'unreadable body: body is not JSON'),
                   (3003, now() - interval '80 minutes', convert_to($3, 'UTF8'), 'parked', 1, now() - interval '80 minutes',
                    'object is "instagram", not "page": stored, not processed'),
                   (3004, now(), convert_to($4, 'UTF8'), 'pending', 0, NULL, NULL)
            """, [processed, Array("not ".utf8) + [0xFF, 0x0A], instagram, pending])
    }
}

/// The status line and headers of a response that does not end (an event stream), read from a
/// plain socket; the test's HTTP client waits for whole bodies.
enum StreamHead {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func fetch(port: Int, request: HTTPRequest) async throws -> HTTPResponse {
        let path = request.url.replacingOccurrences(of: "http://127.0.0.1:\(port)", with: "")
        var text = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        for header in request.headers { text += "\(header.name): \(header.value)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8)
        let head: Result<[UInt8], Failure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: readHead(port: port, request: bytes)) }
        }
        return try parse(head.get())
    }

    /// Blocking: connects, writes the request, reads until the blank line after the headers (at most 10 s).
    private static func readHead(port: Int, request: [UInt8]) -> Result<[UInt8], Failure> {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { return .failure(Failure(description: "socket() failed")) }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return .failure(Failure(description: "connect() failed")) }
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { return .failure(Failure(description: "send() failed")) }
            sent += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while received.count < 65_536 {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += buffer[0..<count]
            if let range = received.firstRange(of: end) { return .success(Array(received[..<range.upperBound])) }
        }
        return received.isEmpty ? .failure(Failure(description: "no response head within 10 s")) : .success(received)
    }

    private static func parse(_ head: [UInt8]) throws -> HTTPResponse {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "not an HTTP response: \(lines.first ?? "")")
        }
        let headers = lines.dropFirst().compactMap { line -> HTTPHeader? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return HTTPHeader(
                name: String(line[..<colon]),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPResponse(status: status, headers: headers, body: [])
    }
}

/// The OpenAPI document has no `paths` object.
enum ContractDocumentError: Error {
    case noPaths
}
