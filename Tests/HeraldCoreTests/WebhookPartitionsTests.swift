import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

/// `webhook_events` by UTC day (migration 0012): inserts land in their day's partition (or the
/// default one, moved out when the day's partition is made), expired days are dropped whole,
/// and a day holding a pending or parked webhook is kept until nothing unprocessed is left.
@Suite("Webhook partitions")
struct WebhookPartitionsTests {
    static let day: TimeInterval = 86_400

    /// The partition a UTC day's webhooks go to.
    static func partition(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "webhook_events_%04d%02d%02d", parts.year!, parts.month!, parts.day!)
    }

    /// Stores one webhook received at `date`; its id.
    @discardableResult
    static func store(_ state: String, at date: Date, _ connection: PostgresConnection) throws -> Int64 {
        try connection.query(
            "INSERT INTO webhook_events (body, state, received_at) VALUES ('\\x7b7d', $1, $2) RETURNING id",
            [state, date]
        )[0].decode(0, as: Int64.self)
    }

    /// Rows per partition, as "name=count".
    static func placement(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT tableoid::regclass::text, count(*) FROM webhook_events GROUP BY 1 ORDER BY 1")
            .map { "\(try $0.decode(0, as: String.self))=\(try $0.decode(1, as: Int.self))" }
    }

    static func exists(_ table: String, _ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT to_regclass($1) IS NOT NULL", [table])[0].decode(0, as: Bool.self)
    }

    @Test("webhooks land in their day's partition; a day without one goes to the default partition and moves out")
    func placementByDay() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let now = Date()
            try WebhookEventStore().insert(bodies: [Array("{}".utf8), Array("{}".utf8)], on: connection)
            #expect(try Self.placement(connection) == ["\(Self.partition(now))=2"])

            let later = now.addingTimeInterval(10 * Self.day)
            let early = try Self.store("pending", at: later, connection)
            #expect(try Self.placement(connection) == ["\(Self.partition(now))=2", "webhook_events_default=1"])

            let partitions = WebhookPartitions(daysAhead: 12)
            #expect(try partitions.createAhead(now: now, on: connection) == 9)
            #expect(try Self.placement(connection) == ["\(Self.partition(now))=2", "\(Self.partition(later))=1"])
            #expect(try partitions.createAhead(now: now, on: connection) == 0)
            // The moved row is the same row: found by id, and by the claim's pending index.
            #expect(
                try connection.query("SELECT tableoid::regclass::text FROM webhook_events WHERE id = $1", [early])[0]
                    .decode(0, as: String.self) == Self.partition(later))
            #expect(
                try connection.query(
                    "SELECT count(*) FROM webhook_events WHERE state = 'pending' AND received_at > now() + interval '9 days'"
                )[0]
                .decode(0, as: Int.self) == 1)
        }
    }

    @Test(
        "expired days are dropped whole; a day with a pending or parked webhook keeps it and loses only its processed rows"
    )
    func dropExpired() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let now = Date()
            let (day0, day1, day2) = (now, now.addingTimeInterval(Self.day), now.addingTimeInterval(2 * Self.day))
            for _ in 0..<5 { try Self.store("processed", at: day0, connection) }
            for _ in 0..<3 { try Self.store("processed", at: day1, connection) }
            let pending = try Self.store("pending", at: day1, connection)
            for _ in 0..<2 { try Self.store("processed", at: day2, connection) }
            try Self.store("parked", at: day2, connection)
            let recent = now.addingTimeInterval(40 * Self.day)
            try Self.store("processed", at: recent, connection)  // the default partition: no day made that far ahead

            let partitions = WebhookPartitions(retention: WebhookRetention(period: 30 * Self.day))
            // 33 days on, days 0-2 are wholly past the 30 days; the legacy partition is empty.
            let pruned = try partitions.dropExpired(now: now.addingTimeInterval(33 * Self.day), on: connection)
            #expect(pruned.partitions == ["webhook_events_legacy", Self.partition(day0)])
            #expect(pruned.kept == [Self.partition(day1), Self.partition(day2)])
            #expect(pruned.rows == 5)
            #expect(
                try Self.placement(connection)
                    == ["\(Self.partition(day1))=1", "\(Self.partition(day2))=1", "webhook_events_default=1"])

            // Once the pending webhook is processed, its day goes; the parked one's day stays.
            try connection.query("UPDATE webhook_events SET state = 'processed' WHERE id = $1", [pending])
            let again = try partitions.dropExpired(now: now.addingTimeInterval(33 * Self.day), on: connection)
            #expect(
                again
                    == WebhookPartitions.Pruned(
                        partitions: [Self.partition(day1)], rows: 0, kept: [Self.partition(day2)]))
            #expect(try Self.exists(Self.partition(day2), connection))
            #expect(try Self.placement(connection) == ["\(Self.partition(day2))=1", "webhook_events_default=1"])
        }
    }

    @Test("a drop that cannot get the table's lock within the timeout gives up until the next call")
    func dropWaitsAtMostTheLockTimeout() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let now = Date()
            try Self.store("processed", at: now, connection)
            let reader = try schema.connect()
            try reader.execute(script: "BEGIN; SELECT count(*) FROM webhook_events")
            let partitions = WebhookPartitions(lockTimeout: .milliseconds(100))
            let later = now.addingTimeInterval(32 * Self.day)
            let busy = try partitions.dropExpired(now: later, on: connection)
            #expect(busy.partitions.isEmpty)
            #expect(try Self.exists(Self.partition(now), connection))
            try reader.execute(script: "COMMIT")
            #expect(try partitions.dropExpired(now: later, on: connection).partitions.contains(Self.partition(now)))
        }
    }
}
