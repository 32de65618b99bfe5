import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// Ingest converges: the same events, in any order, cut into bodies and batches anyhow, with
/// repeats, leave the same customers, messages and statuses.
///
/// The customers are known (each wrote once) before the shuffled events: a receipt for a customer
/// Herald has no row for yet moves the messages it covers but keeps no watermark on a customer,
/// so a bot message recorded in a later batch would not catch up with it (within one batch it
/// does: customers are written before watermarks).
@Suite("Ingest order independence")
struct IngestOrderPropertyTests {
    typealias W = WebhookBuilder

    @Test(
        "shuffled events, bodies and batch sizes give the same customers, messages and statuses",
        arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func shuffledOrderConverges(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let start = ms(Date().addingTimeInterval(-7200))
        let scenario = Scenario.random(start: start, using: &random)
        let inOrder = try await TestDatabase.withSchema { schema in
            try await TestDatabase.offPool {
                try scenario.apply(on: schema, order: Array(scenario.events.indices), bodySize: 1, batchSize: 200)
            }
        }
        #expect(inOrder.messages.count >= scenario.sentMessages.count)
        #expect(inOrder.messages.contains { $0.hasSuffix(":seen") || $0.hasSuffix(":delivered") })
        for _ in 0..<2 {
            var shuffledOrder =
                Array(scenario.events.indices) + (0..<3).map { _ in Int(random.next() % UInt64(scenario.events.count)) }
            shuffledOrder.shuffle(using: &random)
            let order = shuffledOrder
            let bodySize = 1 + Int(random.next() % 4)
            let batchSize = 1 + Int(random.next() % 7)
            let shuffled = try await TestDatabase.withSchema { schema in
                try await TestDatabase.offPool {
                    try scenario.apply(on: schema, order: order, bodySize: bodySize, batchSize: batchSize)
                }
            }
            #expect(shuffled == inOrder, "seed \(seed), bodies of \(bodySize), batches of \(batchSize)")
        }
    }

    /// Customers and outbound messages that exist before ingest, and the events that arrive.
    struct Scenario: Sendable {
        var sentMessages: [(psid: String, mid: String, sentAt: Date)]
        /// One message per customer, applied first.
        var prologue: [String]
        var events: [String]

        static func random(start: Date, using random: inout SplitMix64) -> Scenario {
            let customers = (0..<4).map { "70000000000000\($0)" }
            func at(_ minutes: UInt64) -> Date { start.addingTimeInterval(Double(minutes) * 60) }
            var sent: [(psid: String, mid: String, sentAt: Date)] = []
            for (index, psid) in customers.enumerated() {
                for n in 0..<3 { sent.append((psid, "m_out_\(index)_\(n)", at(random.next() % 100))) }
            }
            var events: [String] = []
            for n in 0..<36 {
                let psid = customers[Int(random.next() % UInt64(customers.count))]
                let time = at(random.next() % 120)
                switch random.next() % 5 {
                case 0: events.append(W.message(psid, mid: "m_in_\(n)", at: time))
                case 1: events.append(W.echo(psid, mid: "m_bot_\(n)", at: time))
                case 2: events.append(W.read(psid, watermark: at(random.next() % 120), at: time))
                case 3: events.append(W.delivery(psid, watermark: at(random.next() % 120), at: time))
                default: events.append(W.postback(psid, at: time))
                }
            }
            let prologue = customers.map { W.message($0, mid: "m_first_\($0)", at: start) }
            return Scenario(sentMessages: sent, prologue: prologue, events: events)
        }

        /// Ingests `events` in `order`, `bodySize` events per body, `batchSize` bodies per batch.
        func apply(on schema: TestSchema, order: [Int], bodySize: Int, batchSize: Int) throws -> Snapshot {
            let harness = try IngestHarness(schema, options: .init(batchSize: batchSize))
            for message in sentMessages {
                try harness.insertSentMessage(psid: message.psid, mid: message.mid, sentAt: message.sentAt)
            }
            try harness.store(W.body(prologue))
            try harness.drain()
            let bodies = stride(from: 0, to: order.count, by: bodySize).map { offset in
                W.body(order[offset..<min(offset + bodySize, order.count)].map { events[$0] })
            }
            try harness.store(bodies)
            let outcome = try harness.drain()
            guard outcome.processed == bodies.count else { throw NotAllProcessed(outcome: outcome) }
            return try Snapshot(harness.connection)
        }
    }

    struct NotAllProcessed: Error {
        var outcome: WebhookIngestor.Outcome
    }

    /// What must not depend on order: rows as comparable text.
    struct Snapshot: Equatable, Sendable {
        var customers: [String]
        var messages: [String]
        var checks: [String]

        init(_ connection: PostgresConnection) throws {
            customers = try connection.query(
                """
                SELECT concat_ws('|', psid, first_active_at, last_active_at, last_message_at, total_messages,
                                 delivered_watermark, read_watermark)
                FROM customers ORDER BY psid
                """
            ).map { try $0.decode(0, as: String.self) }
            messages = try connection.query(
                "SELECT concat_ws(':', psid, mid, direction, author, content::text, status) FROM messages ORDER BY mid"
            ).map { try $0.decode(0, as: String.self) }
            checks = try connection.query(
                "SELECT concat_ws('|', unique_key, run_at, state) FROM jobs WHERE kind = 'inactivity_check' ORDER BY unique_key"
            ).map { try $0.decode(0, as: String.self) }
        }
    }
}

/// A small seeded generator, so a failing seed reproduces.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
