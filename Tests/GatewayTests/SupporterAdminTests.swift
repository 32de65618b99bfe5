import Curl
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("/admin/supporters and GET /v1/me")
struct SupporterAdminTests {
    @Test("create answers 201 with the token once; the row holds only its SHA-256; the list never shows it")
    func createAndList() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let created = try await gateway.call(
                    .post, "/admin/supporters", token: TestGateway.adminToken,
                    json: #"{"name": "  Lan Nguyễn  ", "email": "lan@shop.example"}"#)
                #expect(created.status == 201, "\(created.text)")
                let body = try #require(created.json)
                let id = try #require((body["id"] as? NSNumber)?.int64Value)
                let token = try #require(body["token"] as? String)
                #expect(body["name"] as? String == "Lan Nguyễn")
                #expect(body["email"] as? String == "lan@shop.example")
                #expect(body["created_at"] is String)
                #expect(body["revoked_at"] is NSNull && body["last_active_at"] is NSNull)
                // hs_ + 32 bytes in unpadded base64url.
                #expect(token.hasPrefix("hs_") && token.count == 46)
                #expect(token.dropFirst(3).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })

                // Postgres' own sha256: the stored hash is SHA-256 of the token, and the token is nowhere.
                let rows = try await runSQL(
                    schema,
                    "SELECT token_hash = sha256(convert_to($2, 'UTF8')), row_to_json(s)::text FROM supporters s WHERE id = $1",
                    [id, token])
                #expect(try rows[0].decode(0, as: Bool.self))
                #expect(
                    try !rows[0].decode(1, as: String.self).contains(String(token.dropFirst(3))),
                    "no plaintext in the row")

                let second = try await gateway.createSupporter("Minh")
                #expect(second.token != token)
                let list = try await gateway.call(.get, "/admin/supporters", token: TestGateway.adminToken)
                #expect(list.status == 200)
                #expect(
                    !list.text.contains(token) && !list.text.contains(second.token) && !list.text.contains("\"token\""))
                let supporters = try #require(list.json?["supporters"] as? [[String: Any]])
                #expect(supporters.map { $0["name"] as? String } == ["Lan Nguyễn", "Minh"])
                #expect(supporters[1]["email"] is NSNull)

                // The token works for /v1 and is never shown again.
                let me = try await gateway.apiGet("/v1/me", token: token)
                #expect(me.status == 200)
                #expect(me.json?["type"] as? String == "supporter")
                #expect((me.json?["id"] as? NSNumber)?.int64Value == id)
                #expect(me.json?["name"] as? String == "Lan Nguyễn")
                let service = try await gateway.apiGet("/v1/me")
                #expect(service.status == 200)
                #expect(service.text == #"{"type":"api"}"#)
            }
        }
    }

    struct BadInput: CustomTestStringConvertible, Sendable {
        var body: String
        var status: Int
        var code: String
        var field: String?
        var testDescription: String { body }
    }

    @Test(
        "bad input answers 422 invalid_parameter naming the field (400 invalid_body when not an object); nothing stored",
        arguments: [
            BadInput(body: #"{}"#, status: 422, code: "invalid_parameter", field: "name"),
            BadInput(body: #"{"name": null}"#, status: 422, code: "invalid_parameter", field: "name"),
            BadInput(body: #"{"name": ""}"#, status: 422, code: "invalid_parameter", field: "name"),
            BadInput(body: #"{"name": "   \n "}"#, status: 422, code: "invalid_parameter", field: "name"),
            BadInput(body: #"{"name": 7}"#, status: 422, code: "invalid_parameter", field: "name"),
            BadInput(
                body: #"{"name": "\#(String(repeating: "a", count: 101))"}"#, status: 422, code: "invalid_parameter",
                field: "name"),
            BadInput(body: #"{"name": "Lan", "email": 5}"#, status: 422, code: "invalid_parameter", field: "email"),
            BadInput(
                body: #"{"name": "Lan", "email": "not-an-address"}"#, status: 422, code: "invalid_parameter",
                field: "email"),
            BadInput(body: "not json", status: 400, code: "invalid_body", field: nil),
            BadInput(body: #"["Lan"]"#, status: 400, code: "invalid_body", field: nil),
        ])
    func badInput(_ input: BadInput) async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await gateway.call(
                    .post, "/admin/supporters", token: TestGateway.adminToken, json: input.body)
                #expect(response.status == input.status, "\(response.text)")
                #expect(response.errorCode == input.code)
                let error = response.json?["error"] as? [String: Any]
                #expect(error?["field"] as? String == input.field)
                #expect(try await runSQL(schema, "SELECT 1 FROM supporters").isEmpty)
            }
        }
    }

    @Test("a name of exactly 100 characters (after trimming, counted as characters) is accepted")
    func longestName() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let name = String(repeating: "ễ", count: 100)
                let response = try await gateway.call(
                    .post, "/admin/supporters", token: TestGateway.adminToken, json: #"{"name": " \#(name) "}"#)
                #expect(response.status == 201, "\(response.text)")
                #expect(response.json?["name"] as? String == name)
            }
        }
    }

    @Test("revoke answers 204, then 404 for the same id; the token stops working; the list shows revoked_at")
    func revoke() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let lan = try await gateway.createSupporter("Lan")
                #expect(try await gateway.apiGet("/v1/me", token: lan.token).status == 200)
                let revoked = try await gateway.call(
                    .delete, "/admin/supporters/\(lan.id)", token: TestGateway.adminToken)
                #expect(revoked.status == 204)
                #expect(revoked.body.isEmpty)
                let again = try await gateway.call(
                    .delete, "/admin/supporters/\(lan.id)", token: TestGateway.adminToken)
                #expect(again.status == 404)
                #expect(again.errorCode == "supporter_not_found")
                try await waitUntil("the revoked token is refused") {
                    try await gateway.apiGet("/v1/me", token: lan.token).status == 401
                }
                let list = try await gateway.call(.get, "/admin/supporters", token: TestGateway.adminToken)
                let row = try #require((list.json?["supporters"] as? [[String: Any]])?.first)
                #expect(row["revoked_at"] is String)
                // Rotating a revoked supporter is 404 too.
                let rotate = try await gateway.call(
                    .post, "/admin/supporters/\(lan.id)/token", token: TestGateway.adminToken)
                #expect(rotate.status == 404)
                #expect(rotate.errorCode == "supporter_not_found")
            }
        }
    }

    @Test("rotate answers 200 with a new token; the old one stops working, the new one works")
    func rotate() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let lan = try await gateway.createSupporter("Lan")
                #expect(try await gateway.apiGet("/v1/me", token: lan.token).status == 200)
                let rotated = try await gateway.call(
                    .post, "/admin/supporters/\(lan.id)/token", token: TestGateway.adminToken)
                #expect(rotated.status == 200, "\(rotated.text)")
                let newToken = try #require(rotated.json?["token"] as? String)
                #expect(newToken != lan.token)
                #expect(rotated.json?["token_rotated_at"] is String)
                #expect((rotated.json?["id"] as? NSNumber)?.int64Value == lan.id)
                try await waitUntil("the old token is refused") {
                    try await gateway.apiGet("/v1/me", token: lan.token).status == 401
                }
                #expect(try await gateway.apiGet("/v1/me", token: newToken).status == 200)
            }
        }
    }

    @Test("unknown or malformed ids: 404 supporter_not_found, 400 invalid_id")
    func unknownIDs() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                for (method, path) in [
                    (HTTPRequest.Method.delete, "/admin/supporters/999"), (.post, "/admin/supporters/999/token"),
                ] {
                    let response = try await gateway.call(method, path, token: TestGateway.adminToken)
                    #expect(response.status == 404, "\(path)")
                    #expect(response.errorCode == "supporter_not_found")
                }
                for (method, path) in [
                    (HTTPRequest.Method.delete, "/admin/supporters/abc"), (.post, "/admin/supporters/0/token"),
                ] {
                    let response = try await gateway.call(method, path, token: TestGateway.adminToken)
                    #expect(response.status == 400, "\(path)")
                    #expect(response.errorCode == "invalid_id")
                }
            }
        }
    }

    @Test("401/403 matrix: a supporter token on /admin is 403; unknown, revoked or no token is 401 everywhere")
    func authorization() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let lan = try await gateway.createSupporter("Lan")
                let gone = try await gateway.createSupporter("Gone")
                _ = try await gateway.call(.delete, "/admin/supporters/\(gone.id)", token: TestGateway.adminToken)
                let adminRoutes: [(HTTPRequest.Method, String)] = [
                    (.get, "/admin/supporters"), (.post, "/admin/supporters"), (.delete, "/admin/supporters/\(lan.id)"),
                    (.post, "/admin/supporters/\(lan.id)/token"), (.get, "/admin/pages"),
                    (.get, "/admin/webhook-events"),
                ]
                for (method, path) in adminRoutes {
                    let supporter = try await gateway.call(method, path, token: lan.token, json: #"{"name": "X"}"#)
                    #expect(supporter.status == 403, "\(method) \(path)")
                    #expect(supporter.errorCode == "forbidden")
                    for token in [nil, "hs_unknown", gone.token, TestGateway.apiToken] {
                        let response = try await gateway.call(method, path, token: token, json: #"{"name": "X"}"#)
                        #expect(response.status == 401, "\(method) \(path) \(token ?? "no token")")
                        #expect(response.errorCode == "unauthorized")
                    }
                }
                for token in [
                    nil, "hs_unknown", "hs_" + String(repeating: "A", count: 43), gone.token, TestGateway.adminToken,
                ] {
                    let response = try await gateway.call(.get, "/v1/me", token: token)
                    #expect(response.status == 401, "\(token ?? "no token")")
                    #expect(response.header("WWW-Authenticate") == "Bearer")
                }
                // Still nothing happened: Lan is neither revoked nor rotated.
                #expect(try await gateway.apiGet("/v1/me", token: lan.token).status == 200)
                let rows = try await runSQL(
                    schema, "SELECT revoked_at IS NULL AND token_rotated_at IS NULL FROM supporters WHERE id = $1",
                    [lan.id])
                #expect(try rows[0].decode(0, as: Bool.self))
            }
        }
    }

    @Test("tokens never reach the log, at trace level, through create, use, rotate, revoke and refusal")
    func neverLogged() async throws {
        let capture = LogCapture()
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration, logger: capture.logger()) { gateway in
                let lan = try await gateway.createSupporter("Lan")
                #expect(try await gateway.apiGet("/v1/me", token: lan.token).status == 200)
                let rotated = try await gateway.call(
                    .post, "/admin/supporters/\(lan.id)/token", token: TestGateway.adminToken)
                let newToken = try #require(rotated.json?["token"] as? String)
                #expect(try await gateway.call(.get, "/admin/pages", token: newToken).status == 403)
                _ = try await gateway.call(.delete, "/admin/supporters/\(lan.id)", token: TestGateway.adminToken)
                try await waitUntil("the revoked token is refused") {
                    try await gateway.apiGet("/v1/me", token: newToken).status == 401
                }
                let leaked = capture.all.filter {
                    $0.contains(lan.token.dropFirst(3)) || $0.contains(newToken.dropFirst(3))
                }
                #expect(leaked.isEmpty, "\(leaked)")
            }
        }
    }
}
