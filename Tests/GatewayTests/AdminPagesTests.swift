import Curl
import Foundation
import Messenger
import Postgres
import TestSupport
import Testing

@Suite("/admin/pages")
struct AdminPagesTests {
    static let page = "104857600012345"
    static let key = [UInt8](repeating: 42, count: 32)
    static let secretToken = "EAAB-secret-page-token"

    func put(
        _ gateway: TestGateway, _ body: String, page: String = page, token: String = TestGateway.adminToken
    ) async throws -> HTTPResponse {
        try await gateway.client.execute(
            .json(
                .put, url: gateway.url("/admin/pages/\(page)"), body: Array(body.utf8),
                headers: [HTTPHeader(name: "Authorization", value: "Bearer \(token)")]))
    }

    func list(_ gateway: TestGateway) async throws -> [[String: Any]] {
        let response = try await gateway.get(
            "/admin/pages", headers: [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.adminToken)")])
        #expect(response.status == 200, "\(response.text)")
        #expect(!response.text.contains(Self.secretToken))
        return try #require(response.json?["pages"] as? [[String: Any]])
    }

    /// An outbound message of the page, failed with `reason`; its id.
    func failedMessage(_ connection: PostgresConnection, psid: String, reason: String) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, failure_detail, failed_at)
            VALUES ($1, $2, 'outbound', 'supporter', '{"text":"hi"}', 'failed', $3, 'x', now()) RETURNING id
            """, [Self.page, psid, reason])[0].decode(0, as: Int64.self)
    }

    @Test("without the admin token, or with the API token, /admin answers 401")
    func unauthorized() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let body = #"{"access_token":"t"}"#
                #expect(try await put(gateway, body, token: "wrong").status == 401)
                #expect(try await put(gateway, body, token: TestGateway.apiToken).status == 401)
                #expect(try await gateway.get("/admin/pages").status == 401)
                let listed = try await gateway.apiGet("/admin/pages")
                #expect(listed.status == 401)
                #expect(listed.errorCode == "unauthorized")
                #expect(try schema.connect().query("SELECT count(*) FROM pages")[0].decode(0, as: Int.self) == 0)
            }
        }
    }

    @Test("connecting with a key stores the token sealed and never answers it")
    func connectSealed() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration, tokenKey: Self.key) { gateway in
                let response = try await put(
                    gateway, #"{"access_token":"\#(Self.secretToken)","name":"Shop","human_agent_enabled":true}"#)
                #expect(response.status == 200, "\(response.text)")
                #expect(!response.text.contains(Self.secretToken))
                #expect(!response.text.contains("access_token"))
                let page = try #require(response.json?["page"] as? [String: Any])
                #expect(page["id"] as? String == Self.page)
                #expect(page["name"] as? String == "Shop")
                #expect(page["token_status"] as? String == "valid")
                #expect(page["token_encrypted"] as? Bool == true)
                #expect(page["human_agent_enabled"] as? Bool == true)
                #expect(page["connected_at"] is String)
                #expect(page["reconnected_at"] is NSNull)
                #expect(response.json?["requeued"] as? Int == 0)
                // A gateway without a Graph subscriber leaves the subscription alone.
                #expect(page["subscribed_fields"] is NSNull)
                #expect(page["subscription_error"] is NSNull)

                let row = try schema.connect().query(
                    "SELECT access_token, token_encrypted FROM pages WHERE id = $1", [Self.page])[0]
                let stored = try row.decode(0, as: [UInt8].self)
                #expect(try row.decode(1, as: Bool.self))
                #expect(stored != Array(Self.secretToken.utf8))
                #expect(try SealedToken.open(stored, key: Self.key) == Self.secretToken)
            }
        }
    }

    @Test("without a key the token is stored as UTF-8; a second PUT is a reconnect that keeps name and setting")
    func connectPlainAndReconnect() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                #expect(
                    try await put(gateway, #"{"access_token":"first","name":"Shop","human_agent_enabled":true}"#).status
                        == 200)
                let again = try await put(gateway, #"{"access_token":"second"}"#)
                #expect(again.status == 200, "\(again.text)")
                let page = try #require(again.json?["page"] as? [String: Any])
                #expect(page["name"] as? String == "Shop")
                #expect(page["human_agent_enabled"] as? Bool == true)
                #expect(page["token_encrypted"] as? Bool == false)
                #expect(page["reconnected_at"] is String)
                let row = try schema.connect().query(
                    "SELECT access_token, token_encrypted FROM pages WHERE id = $1", [Self.page])[0]
                #expect(try row.decode(0, as: [UInt8].self) == Array("second".utf8))
                #expect(try !row.decode(1, as: Bool.self))
            }
        }
    }

    @Test("GET lists connected and webhook-only pages with failed counts by reason, never tokens")
    func listing() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query("INSERT INTO pages (id, last_webhook_at) VALUES ('200', now())")
            try await TestGateway.with(database: schema.configuration, tokenKey: Self.key) { gateway in
                #expect(try await put(gateway, #"{"access_token":"\#(Self.secretToken)"}"#).status == 200)
                _ = try failedMessage(connection, psid: "c1", reason: "token_expired")
                _ = try failedMessage(connection, psid: "c2", reason: "token_expired")
                _ = try failedMessage(connection, psid: "c1", reason: "invalid_format")
                let pages = try await list(gateway)
                #expect(pages.map { $0["id"] as? String } == [Self.page, "200"])
                #expect(pages[0]["token_status"] as? String == "valid")
                let failed = try #require(pages[0]["failed"] as? [String: Any])
                #expect(failed["token_expired"] as? Int == 2)
                #expect(failed["invalid_format"] as? Int == 1)
                #expect(pages.allSatisfy { $0["subscribed_fields"] is NSNull && $0["subscription_error"] is NSNull })
                #expect(pages[1]["token_status"] as? String == "not_connected")
                #expect(pages[1]["last_webhook_at"] is String)
                #expect((pages[1]["failed"] as? [String: Any])?.isEmpty == true)
            }
        }
    }

    @Test("reconnecting an expired page requeues its token_expired messages, oldest first, and says how many")
    func reconnectRequeues() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try await TestGateway.with(database: schema.configuration, tokenKey: Self.key) { gateway in
                #expect(try await put(gateway, #"{"access_token":"old"}"#).status == 200)
                try connection.query(
                    "UPDATE pages SET token_status = 'expired', token_expired_at = now() WHERE id = $1", [Self.page])
                let first = try failedMessage(connection, psid: "c2", reason: "token_expired")
                let other = try failedMessage(connection, psid: "c1", reason: "invalid_format")
                let second = try failedMessage(connection, psid: "c1", reason: "token_expired")
                let third = try failedMessage(connection, psid: "c2", reason: "token_expired")
                #expect(try await list(gateway)[0]["token_status"] as? String == "expired")
                #expect(try await list(gateway)[0]["expired_at"] is String)

                let response = try await put(gateway, #"{"access_token":"new"}"#)
                #expect(response.status == 200, "\(response.text)")
                #expect(response.json?["requeued"] as? Int == 3)
                let page = try #require(response.json?["page"] as? [String: Any])
                #expect(page["token_status"] as? String == "valid")
                #expect(page["expired_at"] is NSNull)
                #expect(page["reconnected_at"] is String)

                let statuses = try connection.query(
                    "SELECT id, status, failure_reason, resent_by FROM messages ORDER BY id"
                ).map {
                    (
                        try $0.decode(0, as: Int64.self), try $0.decode(1, as: String.self),
                        try $0.decode(2, as: String?.self),
                        try $0.decode(3, as: String?.self)
                    )
                }
                for (id, status, reason, resentBy) in statuses {
                    if id == other {
                        #expect(status == "failed" && reason == "invalid_format" && resentBy == nil)
                    } else {
                        // A reconnect is Herald's requeue, not a person's.
                        #expect(status == "resend" && reason == nil && resentBy == "system")
                    }
                }
                let jobs = try connection.query(
                    "SELECT (payload->>'message_id')::bigint, ordering_key, kind FROM jobs ORDER BY id"
                ).map {
                    (
                        try $0.decode(0, as: Int64.self), try $0.decode(1, as: String.self),
                        try $0.decode(2, as: String.self)
                    )
                }
                #expect(jobs.map(\.0) == [first, second, third])
                #expect(jobs.map(\.1) == ["\(Self.page)|c2", "\(Self.page)|c1", "\(Self.page)|c2"])
                #expect(jobs.allSatisfy { $0.2 == "send_message" })

                // Nothing left to requeue: a second reconnect requeues none.
                #expect(try await put(gateway, #"{"access_token":"newer"}"#).json?["requeued"] as? Int == 0)
            }
        }
    }

    @Test(
        "a body without a usable access_token, or with wrong types, is 400 invalid_body",
        arguments: [
            "", "not json", "[]", #"{}"#, #"{"access_token":""}"#, #"{"access_token":"  "}"#,
            #"{"access_token":42}"#, #"{"access_token":"t","name":5}"#,
            #"{"access_token":"t","human_agent_enabled":"yes"}"#, #"{"access_token":"t","human_agent_enabled":1}"#,
        ])
    func invalidBodies(body: String) async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await put(gateway, body)
                #expect(response.status == 400, "\(body): \(response.text)")
                #expect(response.errorCode == "invalid_body")
                #expect(try schema.connect().query("SELECT count(*) FROM pages")[0].decode(0, as: Int.self) == 0)
            }
        }
    }
}
