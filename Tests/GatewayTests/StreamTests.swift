import Curl
import Foundation
import Gateway
import HeraldCore
import Postgres
import TestSupport
import Testing

/// `GET /v1/stream` over real HTTP: changes made by any writer (here SQL and the API, as the
/// workers would) reach subscribers in order, filtered by page, resumable with Last-Event-ID.
@Suite("GET /v1/stream: Server-Sent Events")
struct StreamTests {
    static let page = WebhookBuilder.page
    static let auth = ["Authorization": "Bearer \(TestGateway.apiToken)"]

    func subscribe(_ gateway: TestGateway, query: String = "", headers: [String: String] = [:]) async throws
        -> SSEClient
    {
        let client = try SSEClient(
            port: gateway.port, path: "/v1/stream\(query)", headers: Self.auth.merging(headers) { $1 })
        let connected = await client.wait { $0.contains { $0.comment == "connected" } }
        #expect(connected, "no ': connected' from the stream; status \(client.status.map(String.init) ?? "none")")
        return client
    }

    func insertMessage(_ connection: PostgresConnection, psid: String, page: String = page, status: String = "queued")
        throws -> Int64
    {
        try connection.query(
            """
            INSERT INTO messages (page_id, psid, direction, author, content, status) VALUES ($1, $2, 'outbound', 'supporter', '{"text":"hi"}', $3)
            RETURNING id
            """, [page, psid, status])[0].decode(0, as: Int64.self)
    }

    @Test(
        "a customer's webhook streams message.created and customer.updated; a status change streams message.status with display_status"
    )
    func liveEvents() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let stream = try await subscribe(gateway, query: "?page_id=\(Self.page)")
                #expect(stream.status == 200)
                let connection = try schema.connect()
                // What an ingest worker writes for a customer message, in one transaction.
                try connection.transaction { connection in
                    try connection.query(
                        """
                        INSERT INTO customers (page_id, psid, first_active_at, last_active_at, last_message_at, total_messages)
                        VALUES ($1, 's1', now(), now(), now(), 1)
                        """, [Self.page])
                    try connection.query(
                        """
                        INSERT INTO messages (page_id, psid, mid, direction, author, content, status)
                        VALUES ($1, 's1', 'm_in_1', 'inbound', 'customer', '{"text":"hello"}', 'received')
                        """, [Self.page])
                }
                let outbound = try insertMessage(connection, psid: "s1")
                try connection.query(
                    "UPDATE messages SET status = 'sent', sent_at = now(), mid = 'm_out_1' WHERE id = $1", [outbound])

                let all = await stream.wait { $0.filter { $0.event != nil }.count >= 4 }
                #expect(all)
                let events = stream.events
                #expect(
                    events.map(\.event) == ["customer.updated", "message.created", "message.created", "message.status"])
                let ids = events.compactMap { $0.id.flatMap { Int64($0) } }
                #expect(ids == ids.sorted() && Set(ids).count == ids.count, "ids strictly increase: \(ids)")
                #expect(events[0].json?["psid"] as? String == "s1")
                #expect(events[0].json?["total_messages"] as? Int == 1)
                #expect(events[1].json?["mid"] as? String == "m_in_1")
                #expect(events[1].json?["direction"] as? String == "inbound")
                let status = try #require(events[3].json)
                #expect(status["id"] as? Int == Int(outbound))
                #expect(status["status"] as? String == "sent")
                #expect(status["display_status"] as? String == "sent")
                stream.close()
            }
        }
    }

    @Test("notifications stream raised and cleared; other pages' changes are filtered out")
    func notificationsAndFilter() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let mine = try await subscribe(gateway, query: "?page_id=\(Self.page)")
                let everything = try await subscribe(gateway)
                let connection = try schema.connect()
                _ = try insertMessage(connection, psid: "x1", page: "other-page")
                let id = try connection.query(
                    "INSERT INTO notifications (kind, page_id, psid) VALUES ('customer_inactive', $1, 'n1') RETURNING id",
                    [Self.page])[0].decode(0, as: Int64.self)
                try connection.query("UPDATE notifications SET cleared_at = now() WHERE id = $1", [id])

                #expect(await everything.wait { $0.filter { $0.event != nil }.count >= 3 })
                #expect(await mine.wait { $0.filter { $0.event != nil }.count >= 2 })
                #expect(mine.events.map(\.event) == ["notification.raised", "notification.cleared"])
                #expect(
                    everything.events.map(\.event) == [
                        "message.created", "notification.raised", "notification.cleared",
                    ])
                let cleared = try #require(mine.events.last?.json)
                #expect(cleared["id"] as? Int == Int(id))
                #expect(cleared["cleared_at"] is String)
                #expect(cleared["kind"] as? String == "customer_inactive")
            }
        }
    }

    @Test("reconnecting with Last-Event-ID replays exactly what was missed, then goes live")
    func resume() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let connection = try schema.connect()
                let first = try await subscribe(gateway)
                let seen = try insertMessage(connection, psid: "r1")
                #expect(await first.wait { $0.contains { $0.event == "message.created" } })
                let lastID = try #require(first.events.last?.id)
                first.close()

                var missed: [Int64] = []
                for psid in ["r2", "r3", "r4"] { missed.append(try insertMessage(connection, psid: psid)) }
                let second = try await subscribe(gateway, headers: ["Last-Event-ID": lastID])
                #expect(await second.wait { $0.filter { $0.event != nil }.count >= 3 })
                let live = try insertMessage(connection, psid: "r5")
                #expect(await second.wait { $0.filter { $0.event != nil }.count >= 4 })
                let streamed = second.events.compactMap { $0.json?["id"] as? Int }.map(Int64.init)
                #expect(streamed == missed + [live], "replayed \(streamed); \(seen) was seen before the disconnect")
            }
        }
    }

    @Test("a Last-Event-ID older than the kept log, or from the future, gets stream.reset")
    func resetWhenUnknown() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let connection = try schema.connect()
                for psid in ["p1", "p2", "p3"] { _ = try insertMessage(connection, psid: psid) }
                // The first two rows pruned, as `herald work` prunes the oldest.
                try ChangeLog().prune(keep: 1, on: connection)
                let behind = try await subscribe(gateway, headers: ["Last-Event-ID": "0"])
                #expect(await behind.wait { $0.contains { $0.event == "stream.reset" } })
                #expect(behind.events.first?.json?["reason"] as? String == "too_far_behind")

                let ahead = try await subscribe(gateway, headers: ["Last-Event-ID": "999999999"])
                #expect(await ahead.wait { $0.contains { $0.event == "stream.reset" } })
                #expect(ahead.events.first?.json?["reason"] as? String == "unknown_event_id")
            }
        }
    }

    @Test("a stream that starts on an emptied log does not wait for ids handed out before")
    func emptiedLog() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            for psid in ["e1", "e2", "e3"] { _ = try insertMessage(connection, psid: psid) }
            try connection.query("DELETE FROM changes")
            // With a gap timeout longer than the wait, an event arrives only if no gap is waited for.
            try await TestGateway.with(database: schema.configuration, streamOptions: .init(gapTimeout: .seconds(120)))
            {
                gateway in
                let stream = try await subscribe(gateway)
                _ = try insertMessage(connection, psid: "e4")
                #expect(await stream.wait(timeout: .seconds(10)) { $0.contains { $0.event == "message.created" } })
            }
        }
    }

    @Test("a transaction that commits after a newer one is still streamed, in id order")
    func outOfOrderCommits() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let stream = try await subscribe(gateway)
                let slow = try schema.connect()
                let fast = try schema.connect()
                try slow.execute(script: "BEGIN")
                let older = try insertMessage(slow, psid: "o1")
                let newer = try insertMessage(fast, psid: "o2")  // commits first
                try await Task.sleep(for: .milliseconds(300))
                #expect(stream.events.isEmpty, "the newer change waits for the older id")
                try slow.execute(script: "COMMIT")
                #expect(await stream.wait { $0.filter { $0.event != nil }.count >= 2 })
                #expect(stream.events.compactMap { $0.json?["id"] as? Int }.map(Int64.init) == [older, newer])
            }
        }
    }

    @Test("idle streams get heartbeat comments; without the API token the stream is 401")
    func heartbeatsAndAuth() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(
                database: schema.configuration, streamOptions: .init(heartbeatInterval: .milliseconds(100))
            ) { gateway in
                let stream = try await subscribe(gateway)
                #expect(await stream.wait { $0.filter { $0.comment == "heartbeat" }.count >= 2 })
                let unauthorized = try await gateway.get("/v1/stream")
                #expect(unauthorized.status == 401)
                let badID = try await gateway.apiGet("/v1/stream?page_id=")
                #expect(badID.status == 400)
            }
        }
    }

    @Test("two gateway replicas on one database both stream a change made once")
    func replicas() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(database: schema.configuration) { first in
                try await TestGateway.with(database: schema.configuration) { second in
                    let a = try await subscribe(first)
                    let b = try await subscribe(second)
                    let id = try insertMessage(try schema.connect(), psid: "rep")
                    #expect(await a.wait { $0.contains { $0.event == "message.created" } })
                    #expect(await b.wait { $0.contains { $0.event == "message.created" } })
                    #expect(a.events.first?.json?["id"] as? Int == Int(id))
                    #expect(a.events.first?.id == b.events.first?.id)
                }
            }
        }
    }

    @Test("a subscriber that does not read is cut off once its buffer is full; the others keep streaming")
    func slowClientCutOff() async throws {
        try await TestDatabase.withSchema { schema in
            try await TestGateway.with(
                database: schema.configuration, streamOptions: .init(maxBufferedEvents: 5)
            ) { gateway in
                let slow = try await gateway.changes.subscribe(pageID: nil, lastEventID: nil)
                let reader = try await subscribe(gateway)
                #expect(gateway.changes.subscriberCount == 2)
                let connection = try schema.connect()
                // Bursts of 3 (under the buffer of 5) that the reading client keeps up with.
                for round in 1...5 {
                    for index in 0..<3 { _ = try insertMessage(connection, psid: "slow-\(round)-\(index)") }
                    #expect(await reader.wait { $0.filter { $0.event != nil }.count >= 3 * round })
                }
                #expect(gateway.changes.subscriberCount == 1, "the slow subscriber was dropped")
                let buffered = Collected(slow)
                try await waitUntil("the cut-off stream ends") { buffered.finished }
                #expect(buffered.elements.count == 5)
            }
        }
    }
}
