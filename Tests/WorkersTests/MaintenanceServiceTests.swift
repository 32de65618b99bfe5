import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// The maintenance services run their pass at start-up and then every interval, each on its own.
@Suite("Maintenance services")
struct MaintenanceServiceTests {
    @Test("the pruners remove finished jobs past 7 days and processed webhooks past their retention, and keep the rest")
    func pruners() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let now = Date()
            let old = now.addingTimeInterval(-8 * 86_400)
            try connection.query(
                """
                INSERT INTO jobs (kind, state, finished_at, run_at) VALUES
                    ('old_done', 'completed', $1, $1), ('recent_done', 'completed', $2, $2), ('live', 'available', $1, $1)
                """, [old, now])
            try connection.query(
                """
                INSERT INTO webhook_events (body, received_at, state) VALUES
                    ('\\x7b7d'::bytea, $1, 'processed'), ('\\x7b7d'::bytea, $1, 'parked'), ('\\x7b7d'::bytea, $2, 'processed')
                """, [old, now])
            var logger = Logger(label: "herald.tests.maintenance")
            logger.logLevel = .warning
            let pool = schema.makePool(maxConnections: 2)
            defer { pool.close() }
            let services: [any Service] = [
                JobPruner(
                    pool: pool, jobQueue: JobQueue(), clock: SystemClock(), interval: .milliseconds(100), logger: logger
                ),
                WebhookPruner(
                    pool: pool, retention: WebhookRetention(period: 7 * 86_400), clock: SystemClock(),
                    interval: .milliseconds(100), logger: logger),
            ]
            try await withRunningServices(services, logger: logger) {
                try await waitUntil("old rows pruned") {
                    let jobs = try connection.query("SELECT count(*) FROM jobs WHERE kind = 'old_done'")[0]
                    let webhooks = try connection.query(
                        "SELECT count(*) FROM webhook_events WHERE state = 'processed' AND received_at < $1", [now])[0]
                    return try jobs.decode(0, as: Int.self) == 0 && webhooks.decode(0, as: Int.self) == 0
                }
            }
            let kinds = try connection.query("SELECT kind FROM jobs ORDER BY kind").map {
                try $0.decode(0, as: String.self)
            }
            #expect(kinds == ["live", "recent_done"])
            #expect(try connection.query("SELECT count(*) FROM webhook_events")[0].decode(0, as: Int.self) == 2)
        }
    }
}
