import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import TestSupport
import Testing
import Workers

/// The parts of the runner contract only the job engine has: per-key order, leases, and handing
/// claimed work back on stop.
extension RunnerContractTests {
    static let kind = EngineHarness.kind

    @Test("key order: while the oldest job of a key waits out its backoff, the key's next jobs wait; other keys run")
    func keyOrderDuringBackoff() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let runs = Locked<[(id: Int64, attempt: Int)]>([])
            let queue = JobQueue()
            try queue.enqueue(
                (0..<3).map { _ in NewJob(kind: Self.kind, orderingKey: "conversation") }
                    + [NewJob(kind: Self.kind, orderingKey: "another")], now: Date(), on: connection)
            let ids = try connection.query("SELECT id FROM jobs ORDER BY id").map { try $0.decode(0, as: Int64.self) }
            let (oldest, other) = (ids[0], ids[3])
            let service = JobService(
                database: schema.configuration, jobQueue: queue,
                configuration: .init(kinds: [], threads: 2, batchSize: 5, pollInterval: .milliseconds(50)),
                handlers: [
                    Self.kind: { job, _ in
                        runs.withLock { $0.append((job.id, job.attempts)) }
                        // The oldest fails its first attempt: backoff of a second.
                        if job.id == oldest && job.attempts == 1 {
                            return .retry(at: Date().addingTimeInterval(1), error: "failed for now")
                        }
                        return .completed
                    }
                ], clock: SystemClock(), logger: Self.logger())
            try await withRunningServices([service], logger: Self.logger()) {
                try await waitUntil("every job completed", timeout: .seconds(20)) {
                    try connection.query("SELECT count(*) FROM jobs WHERE state = 'completed'")[0].decode(
                        0, as: Int.self) == 4
                }
            }
            let order = runs.value
            #expect(order.filter { $0.id != other }.map { $0.id } == [ids[0], ids[0], ids[1], ids[2]])
            #expect(order.filter { $0.id == oldest }.map { $0.attempt } == [1, 2])
            // The other key did not wait for the backoff.
            let otherAt = try #require(order.firstIndex { $0.id == other })
            let retryAt = try #require(order.firstIndex { $0.id == oldest && $0.attempt == 2 })
            #expect(otherAt < retryAt)
        }
    }

    @Test("lease expiry: a dead worker's job comes back and runs once; on its last attempt it is discarded, not run")
    func leaseExpiry() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let queue = JobQueue()
            try queue.enqueue(
                [NewJob(kind: Self.kind, maxAttempts: 1), NewJob(kind: Self.kind, maxAttempts: 2)], now: Date(),
                on: connection)
            // A worker claims both and dies: no heartbeat renews the short lease.
            let claimed = try queue.claim(
                kinds: [Self.kind], limit: 2, worker: "dead-worker", lease: .milliseconds(200), now: Date(),
                on: connection)
            #expect(claimed.count == 2)
            let (last, retried) = (claimed[0].id, claimed[1].id)
            let ran = Locked<[Int64]>([])
            let logger = Self.logger()
            let pool = schema.makePool(maxConnections: 2)
            defer { pool.close() }
            let service = JobService(
                database: schema.configuration, jobQueue: queue,
                configuration: .init(kinds: [], threads: 1, pollInterval: .milliseconds(50)),
                handlers: [
                    Self.kind: { job, _ in
                        ran.withLock { $0.append(job.id) }
                        return .completed
                    }
                ],
                clock: SystemClock(), logger: logger)
            let rescuer = LeaseRescuer(
                pool: pool, jobQueue: queue, clock: SystemClock(), interval: .milliseconds(100), logger: logger)
            try await withRunningServices([service, rescuer], logger: logger) {
                try await waitUntil("both jobs final", timeout: .seconds(20)) {
                    try connection.query("SELECT count(*) FROM jobs WHERE state IN ('completed', 'discarded')")[0]
                        .decode(0, as: Int.self) == 2
                }
            }
            let lastRow = try connection.query("SELECT state, attempts, last_error FROM jobs WHERE id = $1", [last])[0]
            #expect(try lastRow.decode(0, as: String.self) == "discarded")
            #expect(try lastRow.decode(1, as: Int.self) == 1)
            #expect(
                try lastRow.decode(2, as: String?.self)?.contains("lease expired while held by dead-worker") == true)
            let retriedRow = try connection.query("SELECT state, attempts FROM jobs WHERE id = $1", [retried])[0]
            #expect(try retriedRow.decode(0, as: String.self) == "completed")
            #expect(try retriedRow.decode(1, as: Int.self) == 2)
            #expect(ran.value == [retried])
        }
    }

    @Test(
        "stop hands unstarted work back: the running job finishes, the batch's others return unclaimed with their attempt"
    )
    func stopHandsBack() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let queue = JobQueue()
            try queue.enqueue((0..<5).map { _ in NewJob(kind: Self.kind) }, now: Date(), on: connection)
            let ran = Locked<[Int64]>([])
            let started = Locked(false)
            let poolBox = Locked<JobWorkerPool?>(nil)
            let pool = JobWorkerPool(
                postgres: schema.configuration, queue: queue,
                configuration: .init(kinds: [Self.kind], threads: 1, batchSize: 5, pollInterval: .milliseconds(50)),
                logger: Self.logger()
            ) { job, _ in
                ran.withLock { $0.append(job.id) }
                started.withLock { $0 = true }
                // Runs until the pool is told to stop (a long job that was going when SIGTERM came).
                while poolBox.value?.isStopping != true { usleep(1_000) }
                return .completed
            }
            poolBox.withLock { $0 = pool }
            pool.start()
            try await waitUntil("the first job started") { started.value }
            #expect(
                try connection.query("SELECT count(*) FROM jobs WHERE state = 'running'")[0].decode(0, as: Int.self)
                    == 5)
            await pool.stop()
            #expect(ran.value.count == 1)
            let rows = try connection.query("SELECT id, state, attempts, locked_by FROM jobs ORDER BY id")
            for row in rows {
                let (id, state) = (try row.decode(0, as: Int64.self), try row.decode(1, as: String.self))
                if id == ran.value.first {
                    #expect(state == "completed")
                } else {
                    #expect(state == "available")
                    #expect(try row.decode(2, as: Int.self) == 0, "the attempt is handed back")
                    #expect(try row.decode(3, as: String?.self) == nil)
                }
            }
            #expect(rows.count == 5)
        }
    }

    @Test(
        "stop hands unstarted work back (ingest): after a stop mid-drain every event is processed once or pending untouched"
    )
    func ingestStopLeavesNothingClaimed() async throws {
        let harness = IngestHarness()
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try harness.enqueueSucceeding(600, on: connection)
            try await Self.withProcesses(harness, schema) {
                try await waitUntil("ingest under way") { !(try harness.runs(on: connection).isEmpty) }
            }
            let units = try harness.units(on: connection)
            #expect(units.count == 600)
            for (id, unit) in units {
                let settled =
                    (unit.state == "processed" && unit.attempts == 1) || (unit.state == "pending" && unit.attempts == 0)
                #expect(settled, "event \(id) left \(unit.state) after \(unit.attempts) attempts")
            }
        }
    }
}
