import Curl
import Foundation
import Gateway
import Logging
import Postgres
import TestSupport
import Testing

@Suite("Webhook ingest under failure: database down, queue full, shutdown", .onTestThreads)
struct IngestResilienceTests {
    @Test("with Postgres stopped every post gets 503; once it is back, posts get 200 without restarting herald")
    func databaseRestart() async throws {
        let cluster = try TestCluster(name: "gateway")
        defer { try? cluster.stop() }
        // A fresh schema in the throwaway cluster, migrated.
        try await TestDatabase.withSchema(url: cluster.url) { schema in
            try await TestGateway.with(database: schema.configuration) { gateway in
                let body = Array(#"{"object":"page","entry":[]}"#.utf8)
                #expect(try await gateway.postWebhook(body).status == 200)

                try cluster.stop()
                for _ in 0..<5 {
                    let response = try await gateway.postWebhook(body)
                    #expect(response.status == 503)
                    #expect(response.errorCode == "database_unavailable")
                    #expect(response.header("Retry-After") != nil)
                }
                // One rejection per refused request, not one more per failed batch.
                #expect(gateway.metric(#"herald_webhook_rejections_total{cause="database_unavailable"}"#) == 5)

                try cluster.start()
                // The batcher reconnects on its own; allow for its backoff (at most 200 ms here).
                var recovered = false
                for _ in 0..<50 where !recovered {
                    recovered = try await gateway.postWebhook(body).status == 200
                    if !recovered { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(recovered)
                #expect(try await gateway.postWebhook(body).status == 200)
                // Every 200 has its row: one before the outage, the recovering one, and the last.
                #expect(try storedBodies(schema.configuration).count == 3)
            }
        }
    }

    @Test(
        "when the queue is full, new posts get 503 queue_full with Retry-After; queued ones are stored once the database frees up"
    )
    func queueFull() async throws {
        try await TestDatabase.withSchema { schema in
            let options = WebhookBatcher.Configuration(queueCapacity: 2, maxBatchSize: 1, writers: 1)
            try await TestGateway.with(database: schema.configuration, batcherOptions: options) { gateway in
                // Hold a lock that blocks the batcher's INSERT, so bodies pile up in its queue.
                let blocker = try schema.connect()
                try blocker.execute(script: "BEGIN; LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE")

                func post(_ index: Int) -> Task<HTTPResponse, any Error> {
                    Task { try await gateway.postWebhook(Array(#"{"n":\#(index)}"#.utf8)) }
                }
                // The first body reaches the database and waits on the lock...
                var inFlight = [post(0)]
                // Asked of this schema's table (other tests block their own), from a connection
                // outside the blocker's transaction.
                let observer = try schema.connect()
                try await waitUntil("the first insert waits on the lock") {
                    let waiting = try observer.query(
                        "SELECT count(*) FROM pg_locks WHERE relation = 'webhook_events'::regclass AND NOT granted")
                    return try waiting[0].decode(0, as: Int.self) >= 1
                }
                // ...so the next two fill the queue (capacity 2).
                inFlight += [post(1), post(2)]
                try await waitUntil("two bodies queued") { gateway.metric("herald_webhook_queue_depth") == 2 }
                let rejected = try await gateway.postWebhook(Array(#"{"n":"extra"}"#.utf8))
                #expect(rejected.status == 503)
                #expect(rejected.errorCode == "queue_full")
                #expect(rejected.header("Retry-After") == "1")

                try blocker.execute(script: "COMMIT")
                for task in inFlight {
                    #expect(try await task.value.status == 200)
                }
                #expect(try storedBodies(schema.configuration).count == 3)
            }
        }
    }

    @Test("stopping the batcher flushes what is queued: every accepted body is committed before it returns")
    func flushOnStop() async throws {
        try await TestDatabase.withSchema { schema in
            let batcher = WebhookBatcher(
                database: schema.configuration, metrics: .init(factory: TestMetrics.factory()),
                logger: .init(label: "test"))
            batcher.start()
            let blocker = try schema.connect()
            try blocker.execute(script: "BEGIN; LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE")
            let stores = (0..<20).map { index in
                Task { try await batcher.store(Array("body \(index)".utf8)) }
            }
            // A batch is inside its INSERT, blocked: stopping now must still let it commit.
            try await waitUntil("a batch's INSERT waits for the lock") {
                try blocker.hasLockWaiter(on: "webhook_events")
            }
            let stopping = Task { await batcher.stop() }
            // stop() has begun once a new body is refused (a refusal is answered at once); probes
            // taken before that are stored like the others.
            let probes = Locked((accepted: 0, refused: false))
            try await waitUntil("stop() to refuse new bodies") {
                batcher.store(Array("probe".utf8)) { result in
                    if case .failure(.shuttingDown) = result { probes.withLock { $0.refused = true } }
                }
                return probes.withLock { state in
                    if !state.refused { state.accepted += 1 }
                    return state.refused
                }
            }
            try blocker.execute(script: "COMMIT")
            await stopping.value
            for store in stores { try await store.value }
            #expect(try storedBodies(schema.configuration).count == 20 + probes.value.accepted)
            await #expect(throws: WebhookBatcher.Rejection.shuttingDown) {
                try await batcher.store(Array("late".utf8))
            }
        }
    }
}
