import Foundation
import JobQueue
import Logging
import Postgres
import TestSupport
import Testing

@Suite("Worker pool", .timeLimit(.minutes(2)))
struct WorkerPoolTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    /// Runs `body` with a started pool, then stops it whether `body` threw or not (so no thread
    /// outlives the test's schema).
    static func withPool(
        _ schema: TestSchema, _ configuration: JobWorkerPool.Configuration, handler: @escaping JobWorkerPool.Handler,
        _ body: (JobWorkerPool) async throws -> Void
    ) async throws {
        let pool = JobWorkerPool(
            postgres: schema.configuration, configuration: configuration, logger: Logger(label: "herald.tests.jobs"),
            handler: handler)
        try await withStarted(pool, body)
    }

    @Test("1,000 jobs on 4 threads run exactly once each, keys in order, then the pool stops")
    func thousandJobs() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let runs = Locked<[Int64: Int]>([:])
            let order = Locked<[String: [Int64]]>([:])
            let inFlight = Locked((now: 0, peak: 0))
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 4, batchSize: 10, pollInterval: .milliseconds(50))
            try await Self.withPool(schema, configuration) { job, _ in
                inFlight.withLock {
                    $0.now += 1
                    $0.peak = max($0.peak, $0.now)
                }
                defer { inFlight.withLock { $0.now -= 1 } }
                runs.withLock { $0[job.id, default: 0] += 1 }
                if let key = job.orderingKey { order.withLock { $0[key, default: []].append(job.id) } }
                usleep(UInt32.random(in: 0...300))
                return .completed
            } _: { pool in
                // Half of them with ordering keys (50 keys, shuffled), half without.
                let keys = (0..<1000).map { $0 % 2 == 0 ? "key-\($0 % 100)" : nil }.shuffled()
                try JobQueue().enqueue(
                    keys.map { NewJob(kind: testKind, orderingKey: $0) }, now: Date(), on: connection)
                pool.wake()
                let done = try await eventually(within: 60) {
                    try connection.int("SELECT count(*) FROM jobs WHERE state = 'completed'") == 1000
                }
                #expect(done)
            }
            #expect(runs.value.count == 1000)
            #expect(runs.value.values.allSatisfy { $0 == 1 }, "each job ran exactly once")
            #expect(try connection.int("SELECT count(*) FROM jobs WHERE attempts = 1 AND locked_by IS NULL") == 1000)
            // 50 keys of 10 jobs each: the order check below covers every one of them.
            #expect(order.value.count == 50)
            #expect(order.value.values.allSatisfy { $0.count == 10 })
            for (key, ids) in order.value {
                #expect(ids == ids.sorted(), "\(key) ran out of order")
            }
            #expect(inFlight.value.peak >= 2, "threads ran jobs in parallel")
            #expect(inFlight.value.peak <= 4, "never more handlers than threads")
            #expect(inFlight.value.now == 0)
        }
    }

    /// Runs `count` jobs of distinct keys on one thread with `handler`; returns, for each job, how
    /// many jobs its thread held claimed while it ran (its claim's size, as completion waits for
    /// the end of the batch).
    static func claimSizes(
        _ schema: TestSchema, count: Int, budget: Duration, handler: @escaping @Sendable () -> Void
    ) async throws -> [Int] {
        let connection = try schema.connect()
        let sizes = Locked<[Int]>([])
        let configuration = JobWorkerPool.Configuration(
            kinds: [testKind], threads: 1, batchSize: 8, pollInterval: .milliseconds(50), batchBudget: budget)
        try await withPool(schema, configuration) { _, connection in
            let held = try connection.int("SELECT count(*) FROM jobs WHERE state = 'running'")
            sizes.withLock { $0.append(held) }
            handler()
            return .completed
        } _: { pool in
            try JobQueue().enqueue(
                (0..<count).map { NewJob(kind: testKind, orderingKey: "key-\($0)") }, now: Date(), on: connection)
            pool.wake()
            #expect(
                try await eventually(within: 60) {
                    try connection.int("SELECT count(*) FROM jobs WHERE state = 'completed'") == count
                })
        }
        return sizes.value
    }

    @Test("with a batch budget, quick jobs share claims of up to batchSize")
    func budgetBatchesQuickJobs() async throws {
        try await TestDatabase.withSchema { schema in
            let sizes = try await Self.claimSizes(schema, count: 60, budget: .milliseconds(500)) {}
            #expect(sizes.count == 60)
            #expect(sizes.first == 1, "one job until the thread knows its pace")
            #expect(sizes.contains(8), "later claims fill the batch: \(sizes)")
            #expect(sizes.allSatisfy { $0 <= 8 })
        }
    }

    @Test("with a batch budget, jobs slower than the budget are claimed one at a time")
    func budgetKeepsSlowJobsApart() async throws {
        try await TestDatabase.withSchema { schema in
            let sizes = try await Self.claimSizes(schema, count: 6, budget: .milliseconds(20)) { usleep(40_000) }
            #expect(sizes == Array(repeating: 1, count: 6))
        }
    }

    @Test("stop lets the running handler finish, hands unstarted claimed jobs back and claims no more")
    func gracefulStop() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let started = Locked<[Int64]>([])
            let gate = DispatchSemaphore(value: 0)
            try JobQueue().enqueue((0..<3).map { _ in NewJob(kind: testKind) }, now: Date(), on: connection)
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 1, batchSize: 3, pollInterval: .milliseconds(50))
            try await Self.withPool(schema, configuration) { job, _ in
                let first = started.withLock {
                    $0.append(job.id)
                    return $0.count == 1
                }
                if first { _ = gate.wait(timeout: .now() + 30) }  // a long handler, until the test lets it go
                return .completed
            } _: { pool in
                #expect(try await eventually { started.value.count == 1 })
                let stopping = Task { await pool.stop() }
                // The handler returns only once the stop has begun, so the pool must not start the next job.
                try await waitUntil("the pool is stopping") { pool.isStopping }
                gate.signal()
                await stopping.value
            }

            let first = try #require(started.value.first)
            #expect(started.value == [first], "no job started after stop")
            #expect(try connection.jobRow(first).state == "completed", "the in-flight job finished")
            #expect(
                try connection.int(
                    "SELECT count(*) FROM jobs WHERE state = 'available' AND attempts = 0 AND locked_by IS NULL")
                    == 2, "the claimed jobs that had not started were handed back")
        }
    }

    @Test("a stopped pool claims no more, even when woken")
    func noClaimsAfterStop() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let ran = Locked(0)
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 2, pollInterval: .milliseconds(20))
            var stoppedPool: JobWorkerPool?
            try await Self.withPool(schema, configuration) { _, _ in
                ran.withLock { $0 += 1 }
                return .completed
            } _: { pool in
                stoppedPool = pool
            }
            try JobQueue().enqueue([NewJob(kind: testKind)], now: Date(), on: connection)
            stoppedPool?.wake()
            stoppedPool?.start()
            // A live pool for the same kind takes the job; had the stopped one claimed it, the
            // live one could not have run it, so `ran` staying 0 proves the stopped pool idle.
            let ranByLive = Locked(0)
            try await Self.withPool(schema, configuration) { _, _ in
                ranByLive.withLock { $0 += 1 }
                return .completed
            } _: { pool in
                pool.wake()
                try await waitUntil("the live pool completes the job") {
                    try connection.int("SELECT count(*) FROM jobs WHERE state = 'completed'") == 1
                }
            }
            #expect(ranByLive.value == 1)
            #expect(ran.value == 0)
        }
    }

    @Test("a thrown error becomes a retry after the backoff")
    func thrownError() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let before = Date()
            try JobQueue().enqueue([NewJob(kind: testKind)], now: before, on: connection)
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 2, pollInterval: .milliseconds(50), retryBase: .seconds(100))
            try await Self.withPool(schema, configuration) { _, _ in
                throw Boom()
            } _: { _ in
                let done = try await eventually {
                    try connection.int("SELECT count(*) FROM jobs WHERE state = 'retryable'") == 1
                }
                #expect(done)
            }
            let row = try connection.jobRow(Int64(try connection.int("SELECT id FROM jobs")))
            #expect(row.attempts == 1)
            #expect(row.lastError == "boom")
            let delay = row.runAt.timeIntervalSince(before)
            #expect(delay >= 80 && delay <= 121, "run_at is base ± 20 % later, got \(delay)")
        }
    }

    @Test("heartbeats keep a handler that outlives its lease from being rescued")
    func heartbeats() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            let started = Locked(false)
            let gate = DispatchSemaphore(value: 0)
            try JobQueue().enqueue([NewJob(kind: testKind)], now: Date(), on: connection)
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 1, lease: .seconds(2), heartbeatInterval: .milliseconds(100),
                pollInterval: .milliseconds(50))
            try await Self.withPool(schema, configuration) { _, _ in
                started.withLock { $0 = true }
                _ = gate.wait(timeout: .now() + 30)
                return .completed
            } _: { _ in
                #expect(try await eventually { started.value })
                try await Task.sleep(for: .seconds(3))  // longer than the lease
                #expect(try JobQueue().rescueExpiredLeases(now: Date(), on: connection) == JobRescue())
                gate.signal()
                let done = try await eventually {
                    try connection.int("SELECT count(*) FROM jobs WHERE state = 'completed' AND attempts = 1") == 1
                }
                #expect(done)
            }
        }
    }
}
