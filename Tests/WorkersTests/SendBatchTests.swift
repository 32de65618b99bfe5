import FakeGraph
import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// A send thread starts and records a claimed batch together (SendAttempts.startAll,
/// recordSent, unstart); these pin down what that must not change.
@Suite("Sending in batches")
struct SendBatchTests {
    static let page = "104857600012345"

    static func queue(_ count: Int, on connection: PostgresConnection) throws -> [Int64] {
        let store = OutboundStore(maxAttempts: 3)
        return try (0..<count).map { index in
            let draft = OutboundStore.Draft(
                pageID: page, psid: "batch-\(index)", content: PostgresJSON(#"{"text":"hello \#(index)"}"#))
            guard case .created(let id) = try connection.transaction({ try store.create(draft, now: Date(), on: $0) })
            else {
                throw NotCreated(index: index)
            }
            return id
        }
    }

    struct NotCreated: Error { var index: Int }

    static func connectPage(on connection: PostgresConnection) throws {
        try connection.query(
            "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', 'token'::bytea, now())",
            [page])
    }

    static func count(_ sql: String, on connection: PostgresConnection) throws -> Int {
        try connection.query(sql)[0].decode(0, as: Int.self)
    }

    static func statuses(_ ids: [Int64], on connection: PostgresConnection) throws -> [String] {
        try ids.map {
            try connection.query("SELECT status || '/' || attempts FROM messages WHERE id = $1", [$0])[0].decode(
                0, as: String.self)
        }
    }

    /// Runs one send thread that claims up to 16 messages at once (no pace budget) against
    /// `graph` until `body` returns, then shuts it down gracefully.
    static func withOneThread(
        _ schema: TestSchema, graph: RunningFakeGraph, logger: Logger, _ body: () async throws -> Void
    ) async throws {
        let worker = SendWorker(
            database: schema.configuration,
            configuration: .init(
                graphURL: graph.baseURL, graphVersion: "v25.0", appSecret: nil, concurrency: 1, batchSize: 16,
                batchBudget: nil),
            pollInterval: .milliseconds(50), logger: logger)
        try await withRunningServices([worker], logger: logger, body)
    }

    @Test(
        "startAll starts the messages still waiting, unstart gives them their status back, recordSent records a batch")
    func startUnstartRecord() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try Self.connectPage(on: connection)
            let ids = try Self.queue(3, on: connection)
            try connection.query("UPDATE messages SET status = 'resend' WHERE id = $1", [ids[1]])
            try connection.query("UPDATE messages SET status = 'sent', mid = 'm_done' WHERE id = $1", [ids[2]])
            let attempts = SendAttempts()

            let started = try attempts.startAll(messageIDs: ids, now: Date(), on: connection)
            #expect(Set(started.keys) == [ids[0], ids[1]], "a sent message is not started again")
            #expect(started[ids[0]]?.previousStatus == .queued)
            #expect(started[ids[1]]?.previousStatus == .resend)
            guard case .send(let plan)? = started[ids[0]]?.start else {
                Issue.record("expected a send plan, got \(String(describing: started[ids[0]]))")
                return
            }
            #expect(plan.accessToken == "token" && plan.psid == "batch-0" && plan.attempt == 1)
            #expect(try Self.statuses(ids, on: connection) == ["sending/1", "resend/1", "sent/0"])

            try attempts.unstart([(ids[0], .queued), (ids[1], .resend)], now: Date(), on: connection)
            #expect(try Self.statuses(ids, on: connection) == ["queued/0", "resend/0", "sent/0"])

            _ = try attempts.startAll(messageIDs: ids, now: Date(), on: connection)
            // Each keeps the time Graph answered it, not the time the batch was recorded.
            let answered = [
                Date(timeIntervalSince1970: 1_790_000_000.123456), Date(timeIntervalSince1970: 1_790_000_001.5),
            ]
            try attempts.recordSent(
                [
                    .init(messageID: ids[0], mid: "m_a", sentAt: answered[0]),
                    .init(messageID: ids[1], mid: #"m_"quoted"\b"#, sentAt: answered[1]),
                ], now: Date(), on: connection)
            #expect(try Self.statuses(ids, on: connection) == ["sent/1", "sent/1", "sent/0"])
            let times = try connection.query(
                """
                SELECT extract(epoch FROM m.sent_at)::float8, extract(epoch FROM a.attempted_at)::float8
                FROM messages m JOIN message_attempts a ON a.message_id = m.id AND a.outcome = 'sent'
                WHERE m.id = ANY($1::int8[]) ORDER BY m.id
                """, [PostgresArrayLiteral.int8(Array(ids[0...1]))]
            ).map { [try $0.decode(0, as: Double.self), try $0.decode(1, as: Double.self)] }
            #expect(times == [[1_790_000_000.123456, 1_790_000_000.123456], [1_790_000_001.5, 1_790_000_001.5]])
            let mids = try connection.query(
                "SELECT mid FROM messages WHERE id = ANY($1::int8[]) ORDER BY id", [PostgresArrayLiteral.int8(ids)]
            )
            .map { try $0.decode(0, as: String.self) }
            #expect(mids == ["m_a", #"m_"quoted"\b"#, "m_done"])
            #expect(try Self.count("SELECT count(*) FROM message_attempts WHERE outcome = 'sent'", on: connection) == 2)
        }
    }

    @Test("a delivery or read ingested while the message was still sending covers it when it is recorded")
    func watermarkWhileSending() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try Self.connectPage(on: connection)
            let ids = try Self.queue(4, on: connection)
            let attempts = SendAttempts()
            _ = try attempts.startAll(messageIDs: ids, now: Date(), on: connection)
            let answered = Date(timeIntervalSince1970: 1_790_000_000)
            let after = answered.addingTimeInterval(0.5)
            let before = answered.addingTimeInterval(-0.5)
            // What the ingest stores for batch-0..2 while their messages are `sending`: a delivery
            // after Graph's answer, a read after it, a delivery from before it. batch-3 has no row.
            try connection.query(
                """
                INSERT INTO customers (page_id, psid, delivered_watermark, read_watermark) VALUES
                    ($1, 'batch-0', $2, NULL), ($1, 'batch-1', NULL, $2), ($1, 'batch-2', $3, $3)
                """, [Self.page, after, before])
            try attempts.recordSent(
                ids.enumerated().map { .init(messageID: $1, mid: "m_w\($0)", sentAt: answered) }, now: Date(),
                on: connection)
            #expect(try Self.statuses(ids, on: connection) == ["delivered/1", "seen/1", "sent/1", "sent/1"])
            let times = try connection.query(
                """
                SELECT coalesce(extract(epoch FROM delivered_at)::float8, 0), coalesce(extract(epoch FROM seen_at)::float8, 0)
                FROM messages WHERE id = ANY($1::int8[]) ORDER BY id
                """, [PostgresArrayLiteral.int8(ids)]
            ).map { [try $0.decode(0, as: Double.self), try $0.decode(1, as: Double.self)] }
            let mark = after.timeIntervalSince1970
            #expect(times == [[mark, 0], [mark, mark], [0, 0], [0, 0]])
        }
    }

    @Test("a send thread stopping mid-batch finishes the message in flight and hands the rest back queued")
    func stopMidBatch() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try Self.connectPage(on: connection)
            let ids = try Self.queue(16, on: connection)
            var logger = Logger(label: "herald.tests.send-batch")
            logger.logLevel = .critical
            // 1 s per send: the stop reaches the thread long before the batch of 16 is through,
            // even when the full suite keeps the cooperative pool busy for seconds.
            let graph = try await FakeGraphServer.start(configuration: .init(latency: .seconds(1)), logger: logger)
            try await Self.withOneThread(schema, graph: graph, logger: logger) {
                try await waitUntil("the first message is at Graph") { !graph.requests().isEmpty }
            }
            let sent = graph.requests().count
            #expect(sent >= 1 && sent < ids.count, "\(sent) of \(ids.count) sent before the stop took effect")
            let expected =
                Array(repeating: "sent/1", count: sent) + Array(repeating: "queued/0", count: ids.count - sent)
            #expect(try Self.statuses(ids, on: connection) == expected)
            #expect(
                try Self.count(
                    "SELECT count(*) FROM jobs WHERE state = 'available' AND attempts = 0 AND locked_by IS NULL",
                    on: connection)
                    == ids.count - sent)
            await graph.stop()
        }
    }

    @Test("in one claimed batch, once Graph says the token expired, the page's other messages fail without a call")
    func tokenExpiredInsideBatch() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try connection.query(
                "INSERT INTO pages (id, name, access_token, connected_at) VALUES ($1, 'Shop', 'expired-token'::bytea, now())",
                [Self.page])
            _ = try Self.queue(5, on: connection)
            var logger = Logger(label: "herald.tests.send-batch")
            logger.logLevel = .critical
            let graph = try await FakeGraphServer.start(logger: logger)
            // One thread claiming all five at once.
            try await Self.withOneThread(schema, graph: graph, logger: logger) {
                try await waitUntil("every message failed") {
                    try Self.count(
                        "SELECT count(*) FROM messages WHERE status = 'failed' AND failure_reason = 'token_expired'",
                        on: connection) == 5
                }
            }
            #expect(graph.requests().count == 1, "only the first message of the batch reached Graph")
            #expect(try Self.count("SELECT count(*) FROM jobs WHERE state = 'completed'", on: connection) == 5)
            await graph.stop()
        }
    }
}
