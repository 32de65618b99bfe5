import Foundation
import HeraldApp
import HeraldCore
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

@Suite("herald work: services woken by NOTIFY")
struct WorkerServiceTests {
    typealias W = WebhookBuilder

    /// Runs the worker services of `herald work` (as `HeraldApp` composes them) against a schema
    /// while `body` runs.
    static func withWorkers(_ schema: TestSchema, clock: TestClock, _ body: () async throws -> Void) async throws {
        var logger = Logger(label: "herald.tests.workers")
        logger.logLevel = .warning
        let pool = schema.makePool(maxConnections: 4)
        var configuration = HeraldConfiguration(database: schema.configuration)
        // A long ingest poll interval: the test passes only if NOTIFY wakes the ingest loops.
        configuration.intervals.ingestPoll = .seconds(60)
        configuration.intervals.jobPoll = .milliseconds(100)
        configuration.intervals.leaseRescue = .milliseconds(100)
        let workers = WorkerServices(
            configuration: configuration, pool: pool, subscriber: nil, clock: clock, logger: logger)
        defer { pool.close() }
        try await withRunningServices(workers.all, logger: logger) {
            await workers.wakeUps.waitUntilListening()
            try await body()
        }
    }

    @Test("a stored webhook announced with NOTIFY is processed at once; the inactivity job then fires on time")
    func endToEnd() async throws {
        try await TestDatabase.withSchema { schema in
            let clock = TestClock()
            try await Self.withWorkers(schema, clock: clock) {
                let connection = try schema.connect()
                // Store and announce, as the gateway's batcher does.
                let writtenAt = Date()
                let body = W.body([W.message("e2e", mid: "e2e-1", at: writtenAt)])
                try connection.query("INSERT INTO webhook_events (body) VALUES ($1)", [body])
                try connection.notify(channel: WebhookEventStore.notifyChannel, payload: "1")
                try await waitUntil("customer stored") {
                    try connection.query("SELECT count(*) FROM customers WHERE psid = 'e2e'")[0].decode(0, as: Int.self)
                        == 1
                }
                // 24 h after the customer wrote (not after the clock was made: start-up can be slow).
                clock.set(writtenAt.addingTimeInterval(24 * 3600 + 5))
                try await waitUntil("inactivity notification raised") {
                    try connection.query(
                        "SELECT count(*) FROM notifications WHERE psid = 'e2e' AND cleared_at IS NULL")[0]
                        .decode(0, as: Int.self) == 1
                }
            }
        }
    }
}

extension WorkerServiceTests {
    @Test("a job left running by a dead worker comes back after its lease and runs")
    func deadWorkersJobIsRescued() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let twoDaysAgo = Date().addingTimeInterval(-2 * 86_400)
            try connection.query(
                "INSERT INTO customers (page_id, psid, first_active_at, last_active_at, total_messages) VALUES ('p', 'dead', $1, $1, 1)",
                [twoDaysAgo])
            // As a worker that claimed it and then died would leave it: running, lease expired.
            try connection.query(
                """
                INSERT INTO jobs (kind, payload, state, attempts, max_attempts, locked_by, locked_until, run_at, unique_key)
                VALUES ('inactivity_check', '{"page_id":"p","psid":"dead"}', 'running', 1, 5, 'gone:1', $1, $1, 'p|dead')
                """, [Date().addingTimeInterval(-60)])
            try await Self.withWorkers(schema, clock: TestClock()) {
                try await waitUntil("the rescued job ran") {
                    try connection.query(
                        "SELECT count(*) FROM notifications WHERE psid = 'dead' AND cleared_at IS NULL")[0]
                        .decode(0, as: Int.self) == 1
                }
                let job = try connection.query("SELECT state, attempts FROM jobs WHERE unique_key = 'p|dead'")[0]
                #expect(try job.decode(0, as: String.self) == "completed")
                #expect(try job.decode(1, as: Int.self) == 2)
            }
        }
    }
}
