import Curl
import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// `/admin/webhook-events` over real HTTP: listing by state with its cursor, bodies exactly as
/// received, and retries (one, and many by state, time and page). The errors are in
/// `AdminWebhookEventErrorTests`; a worker picking a retried event up in `AdminWebhookEventRetryTests`.
@Suite("/admin/webhook-events")
struct AdminWebhookEventTests {
    static let auth = [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.adminToken)")]

    /// Stores `body` as the gateway would, then sets its state; its id.
    @discardableResult
    static func store(_ body: [UInt8], state: String, _ connection: PostgresConnection, hoursAgo: Double = 0) throws
        -> Int64
    {
        try connection.query(
            """
            INSERT INTO webhook_events (body, state, attempts, received_at, last_error)
            VALUES ($1, $2, CASE WHEN $2 = 'pending' THEN 0 ELSE 8 END, now() - make_interval(secs => $3),
                    CASE WHEN $2 = 'parked' THEN 'boom' END)
            RETURNING id
            """, [body, state, hoursAgo * 3600])[0].decode(0, as: Int64.self)
    }

    static func page(_ id: String) -> [UInt8] {
        Array(#"{"object":"page","entry":[{"id":"\#(id)","time":1,"messaging":[]}]}"#.utf8)
    }

    static func get(_ gateway: TestGateway, _ path: String) async throws -> HTTPResponse {
        try await gateway.get(path, headers: auth)
    }

    static func post(_ gateway: TestGateway, _ path: String, _ body: String = "") async throws -> HTTPResponse {
        try await gateway.client.execute(.json(.post, url: gateway.url(path), body: Array(body.utf8), headers: auth))
    }

    static func ids(_ response: HTTPResponse) -> [Int64] {
        ((response.json?["events"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
    }

    @Test("listing by state, newest first, page by page through next_before")
    func listing() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            var parked: [Int64] = []
            for index in 0..<5 {
                parked.append(try Self.store(Self.page("P\(index)"), state: "parked", connection))
                try Self.store(Self.page("Q"), state: "processed", connection)
            }
            let pending = try Self.store(Self.page("R"), state: "pending", connection)
            try await TestGateway.with(database: schema.configuration) { gateway in
                var seen: [Int64] = []
                var path = "/admin/webhook-events?state=parked&limit=2"
                for expectedCount in [2, 2, 1] {
                    let response = try await Self.get(gateway, path)
                    #expect(response.status == 200, "\(response.text)")
                    let events = try #require(response.json?["events"] as? [[String: Any]])
                    #expect(events.count == expectedCount)
                    #expect(
                        events.allSatisfy {
                            $0["state"] as? String == "parked" && $0["last_error"] as? String == "boom"
                        })
                    seen += Self.ids(response)
                    guard let next = response.json?["next_before"] as? Int else {
                        #expect(response.json?["next_before"] is NSNull)
                        break
                    }
                    #expect(Int64(next) == seen.last)
                    path = "/admin/webhook-events?state=parked&limit=2&before=\(next)"
                }
                #expect(seen == parked.reversed())

                let first = try #require(
                    (try await Self.get(gateway, "/admin/webhook-events?state=parked&limit=1")).json)
                let item = try #require((first["events"] as? [[String: Any]])?.first)
                #expect(item["page_ids"] as? [String] == ["P4"])
                #expect(item["attempts"] as? Int == 8)
                #expect(item["size_bytes"] as? Int == Self.page("P4").count)
                #expect((item["received_at"] as? String).map(RFC3339.date(from:)) != nil)

                #expect(Self.ids(try await Self.get(gateway, "/admin/webhook-events?state=pending")) == [pending])
                #expect(Self.ids(try await Self.get(gateway, "/admin/webhook-events?state=processed")).count == 5)
                let all = Self.ids(try await Self.get(gateway, "/admin/webhook-events?limit=200"))
                #expect(all.count == 11 && all == all.sorted(by: >))
            }
        }
    }

    @Test("a JSON body comes back byte for byte inside the answer; any other body as base64")
    func bodies() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let json = #"{ "z" : 1,  "object":"page","n":[1.50, 2e3, 12345678901234567890],"entry":[{"id":"P"}] }"#
            let jsonID = try Self.store(Array(json.utf8), state: "processed", connection)
            let binary: [UInt8] = [0x00, 0xFF, 0x7B, 0x22, 0x0A, 0xC3]
            let binaryID = try Self.store(binary, state: "parked", connection)
            try await TestGateway.with(database: schema.configuration) { gateway in
                let response = try await Self.get(gateway, "/admin/webhook-events/\(jsonID)")
                #expect(response.status == 200, "\(response.text)")
                #expect(response.text.hasSuffix(#","body_encoding":"json","body":\#(json)}"#), "\(response.text)")
                #expect(response.json?["page_ids"] as? [String] == ["P"])
                #expect((response.json?["body"] as? [String: Any])?["object"] as? String == "page")

                let other = try await Self.get(gateway, "/admin/webhook-events/\(binaryID)")
                #expect(other.status == 200, "\(other.text)")
                #expect(other.json?["body_encoding"] as? String == "base64")
                let decoded = (other.json?["body"] as? String).flatMap { Data(base64Encoded: $0) }
                #expect(decoded.map(Array.init) == binary)
                #expect(other.json?["page_ids"] as? [String] == [])
                #expect(other.json?["size_bytes"] as? Int == binary.count)
            }
        }
    }

    @Test("retrying one event makes it pending with a fresh budget; retrying many counts what matched")
    func retries() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let parked = try Self.store(Self.page("A"), state: "parked", connection)
            try Self.store(Self.page("B"), state: "parked", connection, hoursAgo: 5)
            try Self.store(Self.page("A"), state: "parked", connection, hoursAgo: 5)
            for hours in [1.0, 30, 50] {
                try Self.store(Self.page("A"), state: "processed", connection, hoursAgo: hours)
            }
            try await TestGateway.with(database: schema.configuration) { gateway in
                let one = try await Self.post(gateway, "/admin/webhook-events/\(parked)/retry")
                #expect(one.status == 200, "\(one.text)")
                #expect(one.json?["state"] as? String == "pending")
                #expect(one.json?["attempts"] as? Int == 0)
                #expect(one.json?["last_error"] is NSNull)
                let row = try connection.query(
                    "SELECT state, attempts, last_error, next_attempt_at <= now() FROM webhook_events WHERE id = $1",
                    [parked])[0]
                #expect(try row.decode(0, as: String.self) == "pending")
                #expect(try row.decode(1, as: Int.self) == 0)
                #expect(try row.decode(2, as: String?.self) == nil)
                #expect(try row.decode(3, as: Bool.self))

                func retried(_ body: String) async throws -> Int? {
                    let response = try await Self.post(gateway, "/admin/webhook-events/retry", body)
                    #expect(response.status == 200, "\(body): \(response.text)")
                    return response.json?["retried"] as? Int
                }
                // RFC 3339 with an offset, and with milliseconds and Z.
                let offset = ISO8601DateFormatter()
                offset.timeZone = TimeZone(secondsFromGMT: 2 * 3600)
                let since = offset.string(from: Date().addingTimeInterval(-40 * 3600))
                #expect(since.hasSuffix("+02:00"))
                #expect(try await retried(#"{"state": "processed", "since": "\#(since)"}"#) == 2)
                let recent = RFC3339.string(from: Date().addingTimeInterval(-10 * 3600))
                #expect(try await retried(#"{"state": "parked", "page_id": "A", "since": "\#(recent)"}"#) == 1)
                #expect(try await retried(#"{"state": "parked"}"#) == 1)
                #expect(try await retried(#"{"state": "parked"}"#) == 0)
                #expect(try await retried(#"{"state": "parked", "since": null, "page_id": null}"#) == 0)
                #expect(try await retried(#"{"state": "processed", "page_id": "A"}"#) == 1)
                let states = try connection.query("SELECT DISTINCT state FROM webhook_events").map {
                    try $0.decode(0, as: String.self)
                }
                #expect(states == ["pending"])
                #expect(try await retried(#"{"state": "pending", "page_id": "B"}"#) == 1)
            }
        }
    }
}
