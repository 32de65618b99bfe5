import Foundation
import HeraldCore
import JobQueue
import Postgres
import TestSupport

/// Stores webhook bodies the way the gateway does and drains them with the real ingestor.
struct IngestHarness {
    let schema: TestSchema
    let connection: PostgresConnection
    let clock: TestClock
    let ingestor: WebhookIngestor

    init(
        _ schema: TestSchema, clock: TestClock = TestClock(), options: WebhookIngestor.Configuration = .init(),
        autoResend: OutboundStore? = nil
    ) throws {
        self.schema = schema
        self.connection = try schema.connect()
        self.clock = clock
        self.ingestor = WebhookIngestor(configuration: options, autoResend: autoResend)
    }

    func store(_ bodies: [UInt8]...) throws { try store(bodies) }

    func store(_ bodies: [[UInt8]]) throws {
        for body in bodies {
            try connection.query("INSERT INTO webhook_events (body, received_at) VALUES ($1, $2)", [body, clock.now()])
        }
    }

    /// Runs batches until none is due; returns the summed outcome.
    @discardableResult
    func drain() throws -> WebhookIngestor.Outcome {
        var total = WebhookIngestor.Outcome()
        while true {
            let outcome = try ingestor.ingestBatch(now: clock.now(), on: connection)
            if outcome.claimed == 0 { return total }
            total.processed += outcome.processed
            total.parked += outcome.parked
            total.retried += outcome.retried
            total.events += outcome.events
        }
    }

    struct Customer: Equatable {
        var firstActiveAt: Date?
        var lastActiveAt: Date?
        var lastMessageAt: Date?
        var totalMessages: Int
    }

    func customer(_ psid: String, page: String = WebhookBuilder.page) throws -> Customer? {
        try connection.query(
            "SELECT first_active_at, last_active_at, last_message_at, total_messages FROM customers WHERE page_id = $1 AND psid = $2",
            [page, psid]
        ).singleRow().map { row in
            Customer(
                firstActiveAt: try row.decode(0, as: Date?.self), lastActiveAt: try row.decode(1, as: Date?.self),
                lastMessageAt: try row.decode(2, as: Date?.self), totalMessages: try row.decode(3, as: Int.self))
        }
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> Int {
        try connection.query(sql, parameters)[0].decode(0, as: Int.self)
    }

    func messageStatus(mid: String) throws -> String? {
        try connection.query("SELECT status FROM messages WHERE mid = $1", [mid]).singleRow()?.decode(
            0, as: String.self)
    }

    /// Inserts an outbound message as the sending work would record it once sent.
    func insertSentMessage(psid: String, mid: String, sentAt: Date, page: String = WebhookBuilder.page) throws {
        try connection.query(
            """
            INSERT INTO messages (page_id, psid, mid, direction, author, content, status, sent_at, attempts)
            VALUES ($1, $2, $3, 'outbound', 'supporter', '{"text":"hi"}', 'sent', $4, 1)
            """, [page, psid, mid, sentAt])
    }
}

/// Millisecond precision, as Facebook's timestamps have.
func ms(_ date: Date) -> Date { Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000) }

func close(_ a: Date?, _ b: Date) -> Bool {
    guard let a else { return false }
    return abs(a.timeIntervalSince1970 - b.timeIntervalSince1970) < 0.002
}
