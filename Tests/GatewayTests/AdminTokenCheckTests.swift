import Curl
import FakeGraph
import Foundation
import HeraldCore
import Logging
import Postgres
import TestSupport
import Testing
import Workers

/// `PUT /admin/pages/{id}` shows the token to Graph (fake-graph over real HTTP) before storing it.
@Suite("/admin/pages checks tokens with Graph's GET /me")
struct AdminTokenCheckTests {
    static let page = "104857600012345"
    static let client = HTTPClient(configuration: CurlConfiguration(totalTimeout: .seconds(5), threadCount: 1))

    func checker(_ graphURL: String) -> GraphHTTPClient {
        GraphHTTPClient(
            graphBaseURL: graphURL, version: "v25.0", appSecret: Array("app-secret".utf8), client: Self.client)
    }

    func put(_ gateway: TestGateway, _ body: String, page: String = page) async throws -> HTTPResponse {
        try await gateway.client.execute(
            .json(
                .put, url: gateway.url("/admin/pages/\(page)"), body: Array(body.utf8),
                headers: [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.adminToken)")]))
    }

    func withGraph<T>(_ body: (RunningFakeGraph) async throws -> T) async throws -> T {
        var logger = Logger(label: "fake-graph.tests")
        logger.logLevel = .warning
        let graph = try await FakeGraphServer.start(
            configuration: FakeGraphConfiguration(pageID: Self.page, pageName: "Graph's name"), logger: logger)
        do {
            let value = try await body(graph)
            await graph.stop()
            return value
        } catch {
            await graph.stop()
            throw error
        }
    }

    @Test("a token Graph accepts is stored; the page takes Graph's name when none is given")
    func accepted() async throws {
        try await withGraph { graph in
            try await TestDatabase.withSchema { schema in
                try await TestGateway.with(database: schema.configuration, tokenChecker: checker(graph.baseURL)) {
                    gateway in
                    let response = try await put(gateway, #"{"access_token":"good-token"}"#)
                    #expect(response.status == 200, "\(response.text)")
                    #expect((response.json?["page"] as? [String: Any])?["name"] as? String == "Graph's name")
                    let named = try await put(gateway, #"{"access_token":"good-token","name":"Mine"}"#)
                    #expect((named.json?["page"] as? [String: Any])?["name"] as? String == "Mine")
                }
                // Stored: the token Graph accepted, valid, under the name given last.
                let page = try schema.connect().query(
                    "SELECT access_token, token_status, name FROM pages WHERE id = $1", [Self.page])[0]
                #expect(try page.decode(0, as: [UInt8].self) == Array("good-token".utf8))
                #expect(try page.decode(1, as: String.self) == "valid")
                #expect(try page.decode(2, as: String?.self) == "Mine")
            }
        }
    }

    @Test("a token Graph refuses is a 422 token_rejected; nothing is stored and nothing requeued")
    func rejected() async throws {
        try await withGraph { graph in
            try await TestDatabase.withSchema { schema in
                let connection = try schema.connect()
                try connection.query(
                    "INSERT INTO pages (id, access_token, token_status, token_expired_at) VALUES ($1, 'old'::bytea, 'expired', now())",
                    [Self.page])
                try connection.query(
                    """
                    INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, failed_at)
                    VALUES ($1, 'p1', 'outbound', 'supporter', '{"text":"hi"}', 'failed', 'token_expired', now())
                    """, [Self.page])
                try await TestGateway.with(database: schema.configuration, tokenChecker: checker(graph.baseURL)) {
                    gateway in
                    let response = try await put(gateway, #"{"access_token":"expired-token"}"#)
                    #expect(response.status == 422, "\(response.text)")
                    #expect(response.errorCode == "token_rejected")
                    let error = try #require(response.json?["error"] as? [String: Any])
                    #expect(error["reason"] as? String == "token_expired")
                    #expect(error["graph_code"] as? Int == 190)
                    #expect(error["graph_subcode"] as? Int == 463)
                    #expect(!response.text.contains("expired-token"))
                }
                let page = try connection.query(
                    "SELECT access_token, token_status FROM pages WHERE id = $1", [Self.page])[0]
                #expect(try page.decode(0, as: [UInt8].self) == Array("old".utf8))
                #expect(try page.decode(1, as: String.self) == "expired")
                let requeued = try connection.query("SELECT count(*) FROM jobs")[0].decode(0, as: Int.self)
                #expect(requeued == 0)
                let failed = try connection.query("SELECT status FROM messages")[0].decode(0, as: String.self)
                #expect(failed == "failed")
            }
        }
    }

    @Test("a token of another page is a 422 token_rejected naming that page")
    func otherPage() async throws {
        try await withGraph { graph in
            try await TestDatabase.withSchema { schema in
                try await TestGateway.with(database: schema.configuration, tokenChecker: checker(graph.baseURL)) {
                    gateway in
                    let response = try await put(gateway, #"{"access_token":"good-token"}"#, page: "999")
                    #expect(response.status == 422)
                    #expect(response.errorCode == "token_rejected")
                    #expect(response.text.contains(Self.page))
                }
                let stored = try schema.connect().query("SELECT count(*) FROM pages")[0].decode(0, as: Int.self)
                #expect(stored == 0)
            }
        }
    }

    @Test("Graph unreachable or in an outage: the token is stored with a warning, never logged")
    func undecided() async throws {
        let capture = LogCapture()
        try await withGraph { graph in
            try await TestDatabase.withSchema { schema in
                try await TestGateway.with(
                    database: schema.configuration, tokenChecker: checker(graph.baseURL), logger: capture.logger()
                ) { gateway in
                    let outage = try await Self.client.execute(
                        .json(.post, url: graph.baseURL + "/_fake/outage?seconds=60", body: []))
                    #expect(outage.status == 204)
                    let response = try await put(gateway, #"{"access_token":"secret-during-outage"}"#)
                    #expect(response.status == 200, "\(response.text)")
                    let refused = try await put(gateway, #"{"access_token":"expired-secret"}"#)
                    #expect(refused.status == 200, "an outage gives no verdict, so even this one is stored")
                }
                try await TestGateway.with(
                    database: schema.configuration, tokenChecker: checker("http://127.0.0.1:1"),
                    logger: capture.logger()
                ) { gateway in
                    let response = try await put(gateway, #"{"access_token":"secret-while-down"}"#)
                    #expect(response.status == 200, "\(response.text)")
                }
                // Stored unchecked: the last token given, valid until Graph says otherwise.
                let page = try schema.connect().query(
                    "SELECT access_token, token_status FROM pages WHERE id = $1", [Self.page])[0]
                #expect(try page.decode(0, as: [UInt8].self) == Array("secret-while-down".utf8))
                #expect(try page.decode(1, as: String.self) == "valid")
            }
        }
        let lines = capture.all
        #expect(lines.filter { $0.contains("page token not checked") }.count == 3)
        for secret in ["secret-during-outage", "expired-secret", "secret-while-down"] {
            #expect(!lines.contains { $0.contains(secret) }, "a log line holds the token \(secret)")
        }
    }

    @Test("a refused token is not logged either")
    func refusedNotLogged() async throws {
        let capture = LogCapture()
        try await withGraph { graph in
            try await TestDatabase.withSchema { schema in
                try await TestGateway.with(
                    database: schema.configuration, tokenChecker: checker(graph.baseURL), logger: capture.logger()
                ) { gateway in
                    let response = try await put(gateway, #"{"access_token":"revoked-EAAB-secret"}"#)
                    #expect(response.status == 422)
                }
            }
        }
        #expect(capture.all.contains { $0.contains("page token refused by Graph") })
        #expect(!capture.all.contains { $0.contains("revoked-EAAB-secret") })
    }
}
