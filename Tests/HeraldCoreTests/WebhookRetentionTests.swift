import Foundation
import HeraldCore
import Postgres
import TestSupport
import Testing

@Suite("Webhook retention")
struct WebhookRetentionTests {
    @Test("processed webhooks past the period go, in batches; pending, parked and recent ones stay")
    func prune() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let now = Date()
            func store(_ state: String, daysAgo: Double, count: Int = 1) throws {
                try connection.query(
                    """
                    INSERT INTO webhook_events (received_at, body, state)
                    SELECT $1, convert_to('{}', 'UTF8'), $2 FROM generate_series(1, $3)
                    """, [now.addingTimeInterval(-daysAgo * 86_400), state, count])
            }
            try store("processed", daysAgo: 40, count: 7)
            try store("processed", daysAgo: 31)
            try store("processed", daysAgo: 29)
            try store("pending", daysAgo: 45)
            try store("parked", daysAgo: 45)

            let pruned = try WebhookRetention(period: 30 * 86_400).prune(now: now, batchSize: 3, on: connection)
            #expect(pruned == 8)
            let left = try connection.query("SELECT state, count(*) FROM webhook_events GROUP BY state ORDER BY state")
                .map { "\(try $0.decode(0, as: String.self))=\(try $0.decode(1, as: Int.self))" }
            #expect(left == ["parked=1", "pending=1", "processed=1"])
            #expect(try WebhookRetention(period: 30 * 86_400).prune(now: now, on: connection) == 0)
        }
    }
}
