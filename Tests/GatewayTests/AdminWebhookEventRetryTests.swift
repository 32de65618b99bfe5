import Curl
import Foundation
import HeraldApp
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle
import TestSupport
import Testing
import Workers

/// The point of a retry: a running `herald work` (as HeraldApp composes it) takes the event up. Its ingest loop polls only
/// once a minute here, so the event is processed within seconds only because the retry NOTIFYs.
@Suite("/admin/webhook-events retry reaches a worker")
struct AdminWebhookEventRetryTests {
    @Test("a parked event retried through the API is processed by a live ingest worker")
    func workerProcessesRetry() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            // A good body parked by an earlier failure (a bug since fixed, say).
            let body = WebhookBuilder.body([WebhookBuilder.message("retried", mid: "m-retried", at: Date())])
            let id = try AdminWebhookEventTests.store(body, state: "parked", connection)
            var logger = Logger(label: "herald.tests.retry")
            logger.logLevel = .warning
            let pool = schema.makePool(maxConnections: 4)
            var configuration = HeraldConfiguration(database: schema.configuration)
            configuration.intervals.ingestPoll = .seconds(60)
            let workers = WorkerServices(configuration: configuration, pool: pool, subscriber: nil, logger: logger)
            defer { pool.close() }
            try await withRunningServices(workers.all, logger: logger) {
                await workers.wakeUps.waitUntilListening()
                try await TestGateway.with(database: schema.configuration) { gateway in
                    // The worker's first pass found nothing: it now sleeps until woken.
                    try await Task.sleep(for: .milliseconds(300))
                    let response = try await AdminWebhookEventTests.post(gateway, "/admin/webhook-events/\(id)/retry")
                    #expect(response.status == 200, "\(response.text)")
                    try await waitUntil("the retried event processed") {
                        try connection.query("SELECT state FROM webhook_events WHERE id = $1", [id])[0]
                            .decode(0, as: String.self) == "processed"
                    }
                    let customers = try connection.query("SELECT count(*) FROM customers WHERE psid = 'retried'")
                    #expect(try customers[0].decode(0, as: Int.self) == 1)
                    let after = try await AdminWebhookEventTests.get(gateway, "/admin/webhook-events/\(id)")
                    #expect(after.json?["state"] as? String == "processed")
                    #expect(after.json?["attempts"] as? Int == 1)
                }
            }
        }
    }
}
