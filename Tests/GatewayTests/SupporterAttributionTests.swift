import Curl
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("sent_by and resent_by on messages, in /v1 and /v1/stream")
struct SupporterAttributionTests {
    static let page = "104857600012345"
    static let blockedURL = "https://shop.example/sale"

    /// A connected page, customer `alice`, an inbound message, and failed messages `rate_limited`
    /// (resendable now) and `url_blacklisted` (held by a blocked URL); their ids.
    static func load(_ schema: TestSchema) async throws -> (inbound: Int64, rateLimited: Int64, blocked: Int64) {
        _ = try await runSQL(
            schema,
            "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', '\\x746f6b656e', now())",
            [page])
        _ = try await runSQL(
            schema,
            """
            INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
            VALUES ($1, 'alice', now(), now(), now(), 1)
            """, [page])
        let ids = try await runSQL(
            schema,
            """
            INSERT INTO messages (page_id, psid, mid, direction, author, content, status, event_timestamp)
            VALUES ($1, 'alice', 'm_in', 'inbound', 'customer', '{"text": "hello"}', 'received', now())
            RETURNING id
            """, [page]
        ).map { try $0.decode(0, as: Int64.self) }
        let failed = try await runSQL(
            schema,
            """
            INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, failed_at, attempts)
            VALUES ($1, 'alice', 'outbound', 'supporter', '{"text": "again"}', 'failed', 'rate_limited', now(), 8),
                   ($1, 'alice', 'outbound', 'supporter', '{"text": "see https://shop.example/sale"}', 'failed',
                    'url_blacklisted', now(), 1)
            RETURNING id
            """, [page]
        ).map { try $0.decode(0, as: Int64.self) }.sorted()
        _ = try await runSQL(
            schema,
            "INSERT INTO blocked_urls (url, blocked_at, next_probe_at) VALUES ($1, now(), now() + interval '1 hour')",
            [blockedURL])
        _ = try await runSQL(
            schema, "INSERT INTO message_blocked_urls (message_id, url) VALUES ($1, $2)", [failed[1], blockedURL])
        return (ids[0], failed[0], failed[1])
    }

    static func attribution(_ value: Any?) -> [String: String]? {
        guard let object = value as? [String: Any] else { return nil }
        return object.mapValues { ($0 as? NSNumber).map { "\($0)" } ?? "\($0)" }
    }

    @Test(
        "create, resend and a URL release record who did it; /v1 and the stream show it; a revoked supporter keeps their name"
    )
    func attribution() async throws {
        try await TestDatabase.withSchema { schema in
            let (inbound, rateLimited, blocked) = try await Self.load(schema)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let lan = try await gateway.createSupporter("Lan")
                let stream = try SSEClient(
                    port: gateway.port, path: "/v1/stream", headers: ["Authorization": "Bearer \(TestGateway.apiToken)"]
                )
                defer { stream.close() }
                #expect(await stream.wait { $0.contains { $0.comment == "connected" } })

                // Created by a supporter and by the service token.
                let byLan = try await gateway.sendText("hi from Lan", page: Self.page, psid: "alice", token: lan.token)
                #expect(Self.attribution(byLan["sent_by"]) == ["type": "supporter", "id": "\(lan.id)", "name": "Lan"])
                #expect(byLan["resent_by"] is NSNull)
                let byAPI = try await gateway.sendText(
                    "hi from the API", page: Self.page, psid: "alice", token: TestGateway.apiToken)
                #expect(Self.attribution(byAPI["sent_by"]) == ["type": "api"])
                let stored = try await runSQL(
                    schema, "SELECT sent_by, sent_by_supporter_id FROM messages WHERE id = $1",
                    [(byLan["id"] as! NSNumber).int64Value])
                #expect(try stored[0].decode(0, as: String.self) == "supporter")
                #expect(try stored[0].decode(1, as: Int64.self) == lan.id)

                // Resent by the supporter; requeued by a URL release (Herald: system).
                let resent = try await gateway.call(.post, "/v1/messages/\(rateLimited)/resend", token: lan.token)
                #expect(resent.status == 202, "\(resent.text)")
                #expect(
                    Self.attribution(resent.json?["resent_by"]) == [
                        "type": "supporter", "id": "\(lan.id)", "name": "Lan",
                    ])
                let release = try await gateway.call(
                    .post, "/admin/blocked-urls/release", token: TestGateway.adminToken,
                    json: #"{"url": "\#(Self.blockedURL)"}"#)
                #expect(release.status == 200, "\(release.text)")
                let released = try await gateway.apiGet("/v1/messages/\(blocked)")
                #expect(released.json?["status"] as? String == "resend")
                #expect(Self.attribution(released.json?["resent_by"]) == ["type": "system"])
                // Messages from before supporter accounts were the service token's.
                #expect(Self.attribution(released.json?["sent_by"]) == ["type": "api"])

                let inboundMessage = try await gateway.apiGet("/v1/messages/\(inbound)", token: lan.token)
                #expect(inboundMessage.json?["sent_by"] is NSNull && inboundMessage.json?["resent_by"] is NSNull)

                // The stream's message events carry the same fields.
                let streamed = await stream.wait { messages in
                    let data = messages.filter { $0.event == "message.created" || $0.event == "message.status" }
                        .compactMap(\.json)
                    return data.contains { Self.attribution($0["sent_by"])?["name"] == "Lan" }
                        && data.contains { Self.attribution($0["resent_by"])?["name"] == "Lan" }
                        && data.contains { Self.attribution($0["resent_by"]) == ["type": "system"] }
                }
                #expect(streamed, "\(stream.events.map { $0.data ?? "" })")

                // Revoked: the messages still show the name.
                _ = try await gateway.call(.delete, "/admin/supporters/\(lan.id)", token: TestGateway.adminToken)
                let after = try await gateway.apiGet("/v1/messages/\((byLan["id"] as! NSNumber).int64Value)")
                #expect(
                    Self.attribution(after.json?["sent_by"]) == ["type": "supporter", "id": "\(lan.id)", "name": "Lan"])
                let conversation = try await gateway.apiGet("/v1/pages/\(Self.page)/customers/alice/messages")
                let messages = try #require(conversation.json?["messages"] as? [[String: Any]])
                #expect(messages.contains { Self.attribution($0["resent_by"])?["name"] == "Lan" })
            }
        }
    }
}
