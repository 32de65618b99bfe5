import Curl
import Foundation
import Gateway
import Postgres
import TestSupport
import Testing

@Suite("POST /v1/messages/{id}/resend")
struct ResendAPITests {
    static let page = "104857600012345"

    func resend(_ gateway: TestGateway, _ id: Int64) async throws -> HTTPResponse {
        try await gateway.client.execute(
            HTTPRequest(
                method: .post, url: gateway.url("/v1/messages/\(id)/resend"),
                headers: [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)")], body: []))
    }

    /// A connected page, a customer who last wrote `lastMessageAgo` seconds ago, and an outbound
    /// message in `status` (failed with `reason` an hour ago when given).
    static func message(
        _ connection: PostgresConnection, status: String, reason: String? = nil, lastMessageAgo: TimeInterval = 7200
    ) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', '\\x746f6b656e', now())
            ON CONFLICT (id) DO NOTHING
            """, [page])
        try connection.query(
            """
            INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
            VALUES ($1, 'r1', $2, $2, $2, 1)
            ON CONFLICT (page_id, psid) DO UPDATE SET last_message_at = EXCLUDED.last_message_at
            """, [page, Date().addingTimeInterval(-lastMessageAgo)])
        return try connection.query(
            """
            INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, failure_detail, failed_at, attempts)
            VALUES ($1, 'r1', 'outbound', 'supporter', '{"text":"hi"}', $2, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE 'test' END,
                    CASE WHEN $3::text IS NULL THEN NULL ELSE now() - interval '1 hour' END, 1)
            RETURNING id
            """, [page, status, reason])[0].decode(0, as: Int64.self)
    }

    func errorField(_ response: HTTPResponse, _ name: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            return nil
        }
        return (object["error"] as? [String: Any])?[name] as? String
    }

    @Test(
        "reasons that allow a resend now give 202, status resend, and a new send job",
        arguments: ["graph_unavailable", "rate_limited", "unknown"])
    func allowed(reason: String) async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let id = try Self.message(connection, status: "failed", reason: reason)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await resend(gateway, id)
                #expect(response.status == 202, "\(response.text)")
                let message = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
                #expect(message["status"] as? String == "resend")
                #expect(message["display_status"] as? String == "resend")
                #expect(message["failure"] is NSNull)
                let jobs = try connection.query(
                    "SELECT count(*) FROM jobs WHERE kind = 'send_message' AND payload->>'message_id' = $1",
                    [String(id)])
                #expect(try jobs[0].decode(0, as: Int.self) == 1)
                // A second resend finds it no longer failed.
                let again = try await resend(gateway, id)
                #expect(again.status == 409)
                #expect(again.errorCode == "not_failed")
            }
        }
    }

    @Test(
        "reasons that do not allow it give 409 resend_not_allowed with the reason and what would allow it",
        arguments: [
            ("invalid_format", "never"), ("file_too_large", "never"), ("outside_window", "customer_active"),
            ("recipient_unavailable", "customer_active"),
        ])
    func refused(reason: String, when: String) async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let id = try Self.message(connection, status: "failed", reason: reason)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await resend(gateway, id)
                #expect(response.status == 409)
                #expect(response.errorCode == "resend_not_allowed")
                #expect(errorField(response, "reason") == reason)
                #expect(errorField(response, "resend_when") == when)
                #expect(try connection.query("SELECT count(*) FROM jobs")[0].decode(0, as: Int.self) == 0)
            }
        }
    }

    @Test("outside_window becomes resendable once the customer writes again")
    func customerCameBack() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            // Failed an hour ago; the customer wrote a minute ago.
            let id = try Self.message(connection, status: "failed", reason: "outside_window", lastMessageAgo: 60)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await resend(gateway, id)
                #expect(response.status == 202, "\(response.text)")
                let message = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
                #expect(message["status"] as? String == "resend")
                #expect(message["display_status"] as? String == "resend")
                #expect(message["failure"] is NSNull)
            }
            let stored = try connection.query("SELECT status, failure_reason FROM messages WHERE id = $1", [id])[0]
            #expect(try stored.decode(0, as: String.self) == "resend")
            #expect(try stored.decode(1, as: String?.self) == nil)
            let jobs = try connection.query(
                "SELECT count(*) FROM jobs WHERE kind = 'send_message' AND payload->>'message_id' = $1", [String(id)])
            #expect(try jobs[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test("a message that is not failed gives 409 not_failed; unknown ids 404; bad ids 400")
    func notFailed() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let sent = try Self.message(connection, status: "sent")
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await resend(gateway, sent)
                #expect(response.status == 409)
                #expect(response.errorCode == "not_failed")
                #expect(try await resend(gateway, 999_999).status == 404)
                let bad = try await gateway.client.execute(
                    HTTPRequest(
                        method: .post, url: gateway.url("/v1/messages/abc/resend"),
                        headers: [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)")], body: [])
                )
                #expect(bad.status == 400)
            }
        }
    }
}
