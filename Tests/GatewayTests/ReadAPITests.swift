import Curl
import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// "Now" pinned for the 24-hour rules.
private struct FixedClock: HeraldClock {
    let date: Date
    func now() -> Date { date }
}

/// Rows written straight into a test schema, the way ingest and send workers leave them.
private struct Rows {
    let connection: PostgresConnection

    func customer(
        _ page: String, _ psid: String, firstActive: Date?, lastActive: Date?, lastMessage: Date?, total: Int = 0
    ) throws {
        try connection.query(
            """
            INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
            VALUES ($1, $2, $3, $4, $5, $6)
            """, [page, psid, firstActive, lastActive, lastMessage, total])
    }

    @discardableResult
    func inbound(_ page: String, _ psid: String, text: String, at time: Date) throws -> Int64 {
        let mid = "m_" + UUID().uuidString
        let content = try PostgresJSON(encoding: ["mid": mid, "text": text])
        return try connection.query(
            """
            INSERT INTO messages (page_id, psid, mid, direction, author, content, status, event_timestamp, created_at)
            VALUES ($1, $2, $3, 'inbound', 'customer', $4, 'received', $5, $5) RETURNING id
            """, [page, psid, mid, content, time]
        ).singleRow()!.decode(0, as: Int64.self)
    }

    @discardableResult
    func outbound(
        _ page: String, _ psid: String, text: String, status: String, created: Date, sent: Date? = nil,
        seen: Date? = nil, reason: String? = nil, failedAt: Date? = nil, attempts: Int = 1
    ) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO messages (page_id, psid, mid, direction, author, content, status, failure_reason,
                                  failure_detail, graph_code, graph_subcode, failed_at, attempts, created_at,
                                  sent_at, delivered_at, seen_at)
            VALUES ($1, $2, CASE WHEN $6::timestamptz IS NULL THEN NULL ELSE 'm_' || gen_random_uuid() END,
                    'outbound', 'supporter', $3, $4, $5::text,
                    CASE WHEN $5::text IS NULL THEN NULL ELSE 'graph said no' END,
                    CASE WHEN $5::text IS NULL THEN NULL ELSE 10 END,
                    CASE WHEN $5::text IS NULL THEN NULL ELSE 2018278 END,
                    $7, $8, $9, $6, $6, $10)
            RETURNING id
            """,
            [
                page, psid, try PostgresJSON(encoding: ["text": text]), status, reason, sent, failedAt, attempts,
                created,
                seen,
            ]
        ).singleRow()!.decode(0, as: Int64.self)
    }

    @discardableResult
    func notification(_ page: String, _ psid: String, raised: Date, cleared: Date? = nil) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO notifications (kind, page_id, psid, raised_at, cleared_at)
            VALUES ('customer_inactive', $1, $2, $3, $4) RETURNING id
            """, [page, psid, raised, cleared]
        ).singleRow()!.decode(0, as: Int64.self)
    }
}

@Suite("/v1 read API: customers, conversations, messages, notifications")
struct ReadAPITests {
    static let t0 = Date(timeIntervalSince1970: 1_764_140_410.123)  // 2025-11-26T07:00:10.123Z

    /// A migrated schema, its rows helper, and a gateway whose clock reads `now`.
    private func withGateway(
        now: Date = t0.addingTimeInterval(3600), apiToken: String = TestGateway.apiToken,
        _ body: (TestGateway, Rows) async throws -> Void
    ) async throws {
        try await TestDatabase.withSchema { schema in
            let rows = Rows(connection: try schema.connect())
            try await TestGateway.with(
                database: schema.configuration, apiToken: apiToken, clock: FixedClock(date: now)
            ) { gateway in try await body(gateway, rows) }
        }
    }

    @Test("without the bearer token, with a wrong one, or with another scheme: 401 unauthorized")
    func unauthorized() async throws {
        try await withGateway { gateway, rows in
            try rows.customer("p1", "u1", firstActive: Self.t0, lastActive: Self.t0, lastMessage: Self.t0)
            let path = "/v1/pages/p1/customers/u1"
            for headers in [
                [], [HTTPHeader(name: "Authorization", value: "Bearer wrong-token")],
                [HTTPHeader(name: "Authorization", value: "Bearer \(TestGateway.apiToken)x")],
                [HTTPHeader(name: "Authorization", value: "Basic \(TestGateway.apiToken)")],
                [HTTPHeader(name: "Authorization", value: TestGateway.apiToken)],
                [HTTPHeader(name: "Authorization", value: "Bearer ")],
            ] {
                for route in [path, path + "/messages", "/v1/messages/1", "/v1/notifications"] {
                    let response = try await gateway.get(route, headers: headers)
                    #expect(response.status == 401, "\(route) \(headers)")
                    #expect(response.errorCode == "unauthorized")
                    #expect(response.header("WWW-Authenticate") == "Bearer")
                }
            }
            #expect(try await gateway.apiGet(path).status == 200)
            let lowercase = try await gateway.get(
                path, headers: [HTTPHeader(name: "Authorization", value: "bearer \(TestGateway.apiToken)")])
            #expect(lowercase.status == 200)
        }
    }

    @Test("an empty configured token authorizes nothing")
    func emptyTokenLocks() async throws {
        try await withGateway(apiToken: "") { gateway, _ async throws in
            #expect(try await gateway.apiGet("/v1/notifications", token: "").status == 401)
            #expect(try await gateway.get("/v1/notifications").status == 401)
            #expect(try await gateway.apiGet("/v1/notifications", token: "anything").status == 401)
        }
    }

    @Test("customer: activity, total, window end, and the inactivity flag")
    func customer() async throws {
        let now = Self.t0.addingTimeInterval(3600)
        try await withGateway(now: now) { gateway, rows in
            try rows.customer(
                "p1", "u1", firstActive: Self.t0.addingTimeInterval(-86_400), lastActive: Self.t0,
                lastMessage: Self.t0.addingTimeInterval(-10), total: 7)
            let response = try await gateway.apiGet("/v1/pages/p1/customers/u1")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            let json = try #require(response.json)
            #expect(json["page_id"] as? String == "p1")
            #expect(json["psid"] as? String == "u1")
            #expect(json["first_active_at"] as? String == "2025-11-25T07:00:10.123Z")
            #expect(json["last_active_at"] as? String == "2025-11-26T07:00:10.123Z")
            #expect(json["total_messages"] as? Int == 7)
            #expect(json["inactive_over_24h"] as? Bool == false)
            #expect(json["window_closes_at"] as? String == "2025-11-27T07:00:00.123Z")

            // An active customer_inactive notification sets the flag; a cleared one does not.
            try rows.customer("p1", "u2", firstActive: Self.t0, lastActive: Self.t0, lastMessage: nil, total: 0)
            try rows.notification("p1", "u2", raised: Self.t0, cleared: Self.t0.addingTimeInterval(5))
            #expect(try await gateway.apiGet("/v1/pages/p1/customers/u2").json?["inactive_over_24h"] as? Bool == false)
            try rows.notification("p1", "u2", raised: Self.t0.addingTimeInterval(10))
            let flagged = try #require(try await gateway.apiGet("/v1/pages/p1/customers/u2").json)
            #expect(flagged["inactive_over_24h"] as? Bool == true)
            // Never wrote a message or postback: no window.
            #expect(flagged["window_closes_at"] is NSNull)

            // Last active over 24 h before the clock's now, before the job has raised anything.
            try rows.customer(
                "p1", "u3", firstActive: now.addingTimeInterval(-90_000), lastActive: now.addingTimeInterval(-86_401),
                lastMessage: now.addingTimeInterval(-86_401))
            #expect(try await gateway.apiGet("/v1/pages/p1/customers/u3").json?["inactive_over_24h"] as? Bool == true)

            let missing = try await gateway.apiGet("/v1/pages/p1/customers/nobody")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "customer_not_found")
            // Same psid on another page is another customer.
            #expect(try await gateway.apiGet("/v1/pages/p2/customers/u1").errorCode == "customer_not_found")
        }
    }

    @Test("messages: oldest first, paged backwards with limit and before, in three pages")
    func paging() async throws {
        try await withGateway { gateway, rows in
            try rows.customer("p1", "u1", firstActive: Self.t0, lastActive: Self.t0, lastMessage: Self.t0)
            var ids: [Int64] = []
            for index in 0..<7 {
                let time = Self.t0.addingTimeInterval(Double(index))
                ids.append(
                    index.isMultiple(of: 2)
                        ? try rows.inbound("p1", "u1", text: "hi \(index)", at: time)
                        : try rows.outbound("p1", "u1", text: "re \(index)", status: "sent", created: time, sent: time))
            }
            // Another conversation's messages never show up.
            try rows.inbound("p1", "u2", text: "other", at: Self.t0)

            let all = try #require(try await gateway.apiGet("/v1/pages/p1/customers/u1/messages").json)
            #expect((all["messages"] as? [[String: Any]])?.compactMap { ($0["id"] as? Int).map(Int64.init) } == ids)
            #expect(all["next_before"] is NSNull)

            func page(_ query: String) async throws -> ([Int64], Int64?) {
                let response = try await gateway.apiGet("/v1/pages/p1/customers/u1/messages?\(query)")
                #expect(response.status == 200, "\(response.text)")
                let json = try #require(response.json)
                let messages = try #require(json["messages"] as? [[String: Any]])
                return (
                    messages.compactMap { ($0["id"] as? Int).map(Int64.init) },
                    (json["next_before"] as? Int).map(Int64.init)
                )
            }
            let first = try await page("limit=3")
            #expect(first.0 == Array(ids[4...6]))
            #expect(first.1 == ids[4])
            let second = try await page("limit=3&before=\(try #require(first.1))")
            #expect(second.0 == Array(ids[1...3]))
            #expect(second.1 == ids[1])
            let third = try await page("limit=3&before=\(try #require(second.1))")
            #expect(third.0 == [ids[0]])
            #expect(third.1 == nil)
            // Exactly limit messages left: no further page.
            let exact = try await page("limit=4&before=\(ids[4])")
            #expect(exact.0 == Array(ids[0...3]))
            #expect(exact.1 == nil)

            for (query, name) in [
                ("limit=0", "limit"), ("limit=201", "limit"), ("limit=abc", "limit"), ("limit=", "limit"),
                ("before=abc", "before"), ("before=-1", "before"), ("before=0", "before"),
            ] {
                let response = try await gateway.apiGet("/v1/pages/p1/customers/u1/messages?\(query)")
                #expect(response.status == 400, "\(query)")
                #expect(response.errorCode == "invalid_parameter")
                #expect(response.text.contains(name), "\(query): \(response.text)")
            }
            #expect(try await gateway.apiGet("/v1/pages/p1/customers/u1/messages?limit=200").status == 200)

            let unknown = try await gateway.apiGet("/v1/pages/p1/customers/nobody/messages")
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "customer_not_found")
        }
    }

    @Test("display_status: only the latest sent message shows sent/seen; failures show their reason and resend rule")
    func displayStatus() async throws {
        let now = Self.t0.addingTimeInterval(3600)
        try await withGateway(now: now) { gateway, rows in
            let t = Self.t0
            // The customer last wrote at t0, before the failures below.
            try rows.customer("p1", "u1", firstActive: t, lastActive: t, lastMessage: t)
            let inbound = try rows.inbound("p1", "u1", text: "hello", at: t)
            let oldSeen = try rows.outbound(
                "p1", "u1", text: "a", status: "seen", created: t, sent: t.addingTimeInterval(1),
                seen: t.addingTimeInterval(2))
            // Created later (higher id) but sent earlier than `latest`.
            let latest = try rows.outbound(
                "p1", "u1", text: "b", status: "seen", created: t.addingTimeInterval(2), sent: t.addingTimeInterval(5),
                seen: t.addingTimeInterval(6))
            let delivered = try rows.outbound(
                "p1", "u1", text: "c", status: "delivered", created: t.addingTimeInterval(3),
                sent: t.addingTimeInterval(4))
            let window = try rows.outbound(
                "p1", "u1", text: "d", status: "failed", created: t.addingTimeInterval(10), reason: "outside_window",
                failedAt: t.addingTimeInterval(11))
            let blocked = try rows.outbound(
                "p1", "u1", text: "https://bad.example/x", status: "failed", created: t.addingTimeInterval(12),
                reason: "url_blacklisted", failedAt: t.addingTimeInterval(13))
            try rows.connection.query("INSERT INTO blocked_urls (url) VALUES ('https://bad.example/x')")
            try rows.connection.query(
                "INSERT INTO message_blocked_urls (message_id, url) VALUES ($1, 'https://bad.example/x')", [blocked])
            let throttled = try rows.outbound(
                "p1", "u1", text: "e", status: "failed", created: t.addingTimeInterval(14), reason: "rate_limited",
                failedAt: t.addingTimeInterval(15), attempts: 8)
            let invalid = try rows.outbound(
                "p1", "u1", text: "", status: "failed", created: t.addingTimeInterval(16), reason: "invalid_format",
                failedAt: t.addingTimeInterval(16), attempts: 0)
            let queued = try rows.outbound(
                "p1", "u1", text: "f", status: "queued", created: t.addingTimeInterval(17), attempts: 0)
            let resend = try rows.outbound("p1", "u1", text: "g", status: "resend", created: t.addingTimeInterval(18))

            let response = try await gateway.apiGet("/v1/pages/p1/customers/u1/messages")
            #expect(response.status == 200)
            let messages = try #require(response.json?["messages"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: messages.map { (Int64($0["id"] as! Int), $0) })
            func display(_ id: Int64) -> String? { byID[id]?["display_status"] as? String }
            func failure(_ id: Int64) -> [String: Any]? { byID[id]?["failure"] as? [String: Any] }

            #expect(
                messages.map { Int64($0["id"] as! Int) } == [
                    inbound, oldSeen, latest, delivered, window, blocked, throttled, invalid, queued, resend,
                ])
            #expect(byID[inbound]?["display_status"] is NSNull)
            #expect(byID[inbound]?["failure"] is NSNull)
            #expect(byID[oldSeen]?["display_status"] is NSNull)
            #expect(display(latest) == "seen")
            #expect(byID[delivered]?["display_status"] is NSNull)
            #expect(display(queued) == "sending")
            #expect(display(resend) == "resend")
            #expect(byID[resend]?["failure"] is NSNull)
            for id in [window, blocked, throttled, invalid] { #expect(display(id) == "failed") }

            let windowFailure = try #require(failure(window))
            #expect(windowFailure["reason"] as? String == "outside_window")
            #expect(windowFailure["detail"] as? String == "graph said no")
            #expect(windowFailure["graph_code"] as? Int == 10)
            #expect(windowFailure["graph_subcode"] as? Int == 2_018_278)
            #expect(windowFailure["resendable"] as? Bool == false)
            #expect(windowFailure["resend_when"] as? String == "customer_active")
            #expect(failure(blocked)?["resend_when"] as? String == "url_released")
            #expect(failure(throttled)?["resendable"] as? Bool == true)
            #expect(failure(throttled)?["resend_when"] is NSNull)
            #expect(failure(invalid)?["resend_when"] as? String == "never")

            // The customer writes again and the URL is released: both become resendable.
            try rows.connection.query("UPDATE customers SET last_message_at = $1", [t.addingTimeInterval(100)])
            try rows.connection.query("UPDATE blocked_urls SET released_at = $1", [t.addingTimeInterval(100)])
            let after = try #require(try await gateway.apiGet("/v1/messages/\(window)").json)
            #expect((after["failure"] as? [String: Any])?["resendable"] as? Bool == true)
            #expect((after["failure"] as? [String: Any])?["resend_when"] is NSNull)
            let released = try #require(try await gateway.apiGet("/v1/messages/\(blocked)").json)
            #expect((released["failure"] as? [String: Any])?["resendable"] as? Bool == true)
        }
    }

    @Test("a token_expired message becomes resendable once the page is reconnected after the failure")
    func tokenExpired() async throws {
        try await withGateway { gateway, rows in
            let t = Self.t0
            try rows.customer("p1", "u1", firstActive: t, lastActive: t, lastMessage: t)
            try rows.connection.query(
                """
                INSERT INTO pages (id, access_token, token_status, token_expired_at, connected_at)
                VALUES ('p1', 'token'::bytea, 'expired', $1, $2)
                """, [t.addingTimeInterval(10), t.addingTimeInterval(-1000)])
            let id = try rows.outbound(
                "p1", "u1", text: "x", status: "failed", created: t, reason: "token_expired",
                failedAt: t.addingTimeInterval(10))
            func failure() async throws -> [String: Any]? {
                try await gateway.apiGet("/v1/messages/\(id)").json?["failure"] as? [String: Any]
            }
            #expect(try await failure()?["resend_when"] as? String == "page_reconnected")
            try rows.connection.query(
                "UPDATE pages SET token_status = 'valid', token_expired_at = NULL, reconnected_at = $1",
                [t.addingTimeInterval(20)])
            #expect(try await failure()?["resendable"] as? Bool == true)
            #expect(try await failure()?["resend_when"] is NSNull)
        }
    }

    @Test("one message by id: every field, times in RFC 3339 with milliseconds, content as an object")
    func messageByID() async throws {
        try await withGateway { gateway, rows in
            let t = Self.t0
            try rows.customer("p1", "u1", firstActive: t, lastActive: t, lastMessage: t)
            let id = try rows.outbound(
                "p1", "u1", text: "see https://example.com/a", status: "seen", created: t,
                sent: t.addingTimeInterval(1), seen: t.addingTimeInterval(2))
            let inbound = try rows.inbound("p1", "u1", text: "thanks", at: t.addingTimeInterval(3))

            let response = try await gateway.apiGet("/v1/messages/\(id)")
            #expect(response.status == 200)
            let json = try #require(response.json)
            #expect(
                Set(json.keys) == [
                    "id", "page_id", "psid", "mid", "direction", "author", "content", "status", "display_status",
                    "failure",
                    "attempts", "created_at", "sent_at", "delivered_at", "seen_at", "sent_by", "resent_by",
                ])
            #expect(json["id"] as? Int == Int(id))
            #expect(json["page_id"] as? String == "p1")
            #expect(json["psid"] as? String == "u1")
            #expect((json["mid"] as? String)?.hasPrefix("m_") == true)
            #expect(json["direction"] as? String == "outbound")
            #expect(json["author"] as? String == "supporter")
            #expect((json["content"] as? [String: Any])?["text"] as? String == "see https://example.com/a")
            #expect(response.text.contains("https://example.com/a"))
            #expect(json["status"] as? String == "seen")
            #expect(json["display_status"] as? String == "seen")
            #expect(json["failure"] is NSNull)
            #expect(json["attempts"] as? Int == 1)
            #expect(json["created_at"] as? String == "2025-11-26T07:00:10.123Z")
            #expect(json["sent_at"] as? String == "2025-11-26T07:00:11.123Z")
            #expect(json["delivered_at"] as? String == "2025-11-26T07:00:11.123Z")
            #expect(json["seen_at"] as? String == "2025-11-26T07:00:12.123Z")

            let customerMessage = try #require(try await gateway.apiGet("/v1/messages/\(inbound)").json)
            #expect(customerMessage["direction"] as? String == "inbound")
            #expect(customerMessage["author"] as? String == "customer")
            #expect(customerMessage["status"] as? String == "received")
            #expect(customerMessage["display_status"] is NSNull)
            #expect(customerMessage["sent_at"] is NSNull)

            let missing = try await gateway.apiGet("/v1/messages/999999")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "message_not_found")
            for bad in ["abc", "1.5", "-3", "0", "99999999999999999999"] {
                let response = try await gateway.apiGet("/v1/messages/\(bad)")
                #expect(response.status == 400, "\(bad)")
                #expect(response.errorCode == "invalid_id")
            }
        }
    }

    @Test("notifications: active only, newest first, filtered by page, paged")
    func notifications() async throws {
        try await withGateway { gateway, rows in
            let t = Self.t0
            let a = try rows.notification("p1", "u1", raised: t)
            let cleared = try rows.notification(
                "p1", "u2", raised: t.addingTimeInterval(1), cleared: t.addingTimeInterval(2))
            let b = try rows.notification("p2", "u3", raised: t.addingTimeInterval(3))
            let c = try rows.notification("p1", "u4", raised: t.addingTimeInterval(4))

            func list(_ query: String = "") async throws -> ([Int64], Int64?, [[String: Any]]) {
                let response = try await gateway.apiGet("/v1/notifications\(query)")
                #expect(response.status == 200, "\(response.text)")
                let json = try #require(response.json)
                let items = try #require(json["notifications"] as? [[String: Any]])
                return (
                    items.compactMap { ($0["id"] as? Int).map(Int64.init) },
                    (json["next_before"] as? Int).map(Int64.init), items
                )
            }
            let all = try await list()
            #expect(all.0 == [c, b, a])
            #expect(!all.0.contains(cleared))
            #expect(all.1 == nil)
            let first = try #require(all.2.first)
            #expect(Set(first.keys) == ["id", "kind", "page_id", "psid", "raised_at", "cleared_at"])
            #expect(first["cleared_at"] is NSNull)
            #expect(first["kind"] as? String == "customer_inactive")
            #expect(first["page_id"] as? String == "p1")
            #expect(first["psid"] as? String == "u4")
            #expect(first["raised_at"] as? String == "2025-11-26T07:00:14.123Z")

            #expect(try await list("?page_id=p1").0 == [c, a])
            #expect(try await list("?page_id=p2").0 == [b])
            #expect(try await list("?page_id=p9").0 == [])

            let page1 = try await list("?limit=2")
            #expect(page1.0 == [c, b])
            #expect(page1.1 == b)
            let page2 = try await list("?limit=2&before=\(b)")
            #expect(page2.0 == [a])
            #expect(page2.1 == nil)

            let bad = try await gateway.apiGet("/v1/notifications?limit=1000")
            #expect(bad.status == 400)
            #expect(bad.errorCode == "invalid_parameter")
        }
    }

    @Test("database unreachable: 503 database_unavailable")
    func databaseDown() async throws {
        // Nothing listens on port 1; connecting fails at once.
        let configuration = try TestDatabase.configuration(
            url: "postgresql://herald@127.0.0.1:1/herald?connect_timeout=2")
        try await TestGateway.with(database: configuration) { gateway in
            for path in [
                "/v1/pages/p1/customers/u1", "/v1/pages/p1/customers/u1/messages", "/v1/messages/1",
                "/v1/notifications",
            ] {
                let response = try await gateway.apiGet(path)
                #expect(response.status == 503, "\(path)")
                #expect(response.errorCode == "database_unavailable")
                #expect(response.header("Retry-After") != nil)
            }
        }
    }
}
