import Foundation
import HeraldCore
import Logging
import Postgres
import TestSupport
import Testing

/// `WebhookEventStore` on a real schema: retries NOTIFY the workers, a page-limited retry reads
/// the bodies' entries (not every mention of the id), and the listing of parked events is served
/// by `webhook_events_parked` however many processed rows there are.
@Suite("Webhook event store")
struct WebhookEventStoreTests {
    let store = WebhookEventStore()

    /// Stores `body` in `state`; its id.
    @discardableResult
    static func store(_ body: String, state: String, _ connection: PostgresConnection, minutesAgo: Double = 0) throws
        -> Int64
    {
        try connection.query(
            """
            INSERT INTO webhook_events (body, state, attempts, received_at, last_error)
            VALUES (convert_to($1, 'UTF8'), $2, 3, now() - make_interval(secs => $3), CASE WHEN $2 = 'parked' THEN 'boom' END)
            RETURNING id
            """, [body, state, minutesAgo * 60])[0].decode(0, as: Int64.self)
    }

    static func page(_ id: String) -> String { #"{"object":"page","entry":[{"id":"\#(id)","time":1,"messaging":[]}]}"# }

    @Test("retrying one or many NOTIFYs herald_webhook_events from the retrying session, at commit")
    func notifies() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let parked = try Self.store(Self.page("P"), state: "parked", connection)
            try Self.store(Self.page("P"), state: "processed", connection)
            let listener = PostgresListener(
                configuration: try TestDatabase.configuration(), channels: [WebhookEventStore.notifyChannel],
                logger: Logger(label: "herald.tests.listen"))
            listener.start()
            defer { listener.stop() }
            await listener.waitUntilListening()
            var events = listener.events.makeAsyncIterator()

            // Other tests' gateways notify the same channel: only this session's notification counts.
            func heardFromThisSession() async -> Bool {
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline, let event = await events.next() {
                    if case .notification(let notification) = event, notification.senderPID == connection.backendPID {
                        return true
                    }
                }
                return false
            }
            let retried = try connection.transaction { try store.retry(id: parked, on: $0) }
            #expect(retried?.state == .pending)
            #expect(retried?.attempts == 0)
            #expect(retried?.lastError == nil)
            #expect(retried?.pageIDs == ["P"])
            #expect(await heardFromThisSession())
            let count = try connection.transaction {
                try store.retry(WebhookEventSelection(states: [.processed]), on: $0)
            }
            #expect(count == 1)
            #expect(await heardFromThisSession())
            #expect(try store.retry(id: 999_999, on: connection) == nil)
        }
    }

    @Test("a page-limited retry takes events with an entry for the page, in the state, since the time")
    func byPage() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let mine = try Self.store(Self.page("111"), state: "processed", connection, minutesAgo: 5)
            let numeric = try Self.store(
                #"{"object":"page","entry":[{"id":222},{"id":111}]}"#, state: "processed", connection)
            // Mentions 111 only as a sender, outside the time, in another state, not JSON.
            try Self.store(
                #"{"object":"page","entry":[{"id":"333","messaging":[{"sender":{"id":"111"}}]}]}"#, state: "processed",
                connection)
            try Self.store(Self.page("111"), state: "processed", connection, minutesAgo: 120)
            try Self.store(Self.page("111"), state: "parked", connection)
            try Self.store("111 not json", state: "processed", connection)

            let since = try connection.query("SELECT now() - interval '1 hour'")[0].decode(0, as: Date.self)
            let selection = WebhookEventSelection(states: [.processed], since: since, pageID: "111")
            #expect(try connection.transaction { try store.retry(selection, on: $0) } == 2)
            let pending = try connection.query("SELECT id FROM webhook_events WHERE state = 'pending' ORDER BY id")
                .map { try $0.decode(0, as: Int64.self) }
            #expect(pending == [mine, numeric])
            #expect(try store.retry(selection, on: connection) == 0)
            // Every state and no time: the parked one and the old one too.
            let wide = WebhookEventSelection(states: [.processed, .parked], pageID: "111")
            #expect(try store.retry(wide, on: connection) == 2)
        }
    }

    @Test("listing parked events reads the partition's parked index, processed ones the primary keys backwards")
    func listingPlans() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query(
                """
                INSERT INTO webhook_events (body, state, processed_at)
                SELECT convert_to('{}', 'UTF8'), 'processed', now() FROM generate_series(1, 20000)
                """)
            for _ in 0..<3 { try Self.store("x", state: "parked", connection) }
            try connection.execute(script: "ANALYZE webhook_events")
            func plan(_ state: WebhookEventState, before: Int64? = nil) throws -> String {
                let query = WebhookEventStore.listQuery(state: state, paging: Paging(limit: 50, before: before)!)
                return try connection.query("EXPLAIN " + query.sql, query.parameters)
                    .map { try $0.decode(0, as: String.self) }.joined(separator: "\n")
            }
            // Today's partition holds every row (migration 0012); the empty partitions cost nothing.
            let today = WebhookPartitionsTests.partition(Date())
            let parked = try plan(.parked)
            #expect(parked.contains("Index Scan Backward using \(today)_parked"), "\(parked)")
            #expect(!parked.contains("Seq Scan on \(today) "), "\(parked)")
            #expect(try plan(.parked, before: 20_002).contains("\(today)_parked"))
            let processed = try plan(.processed, before: 10_000)
            #expect(processed.contains("Merge Append"), "\(processed)")
            #expect(processed.contains("Index Scan Backward using \(today)_pkey"), "\(processed)")

            let page = try store.list(state: .parked, paging: Paging(limit: 2)!, on: connection)
            #expect(page.events.map(\.state) == [.parked, .parked])
            #expect(page.events.map(\.id) == page.events.map(\.id).sorted(by: >))
            let rest = try store.list(
                state: .parked, paging: Paging(limit: 2, before: page.nextBefore)!, on: connection)
            #expect(rest.events.count == 1)
            #expect(rest.nextBefore == nil)
        }
    }
}
