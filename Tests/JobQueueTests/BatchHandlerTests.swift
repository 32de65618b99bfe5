import Foundation
import JobQueue
import Logging
import Postgres
import TestSupport
import Testing

@Suite("Worker pool with a batch handler", .timeLimit(.minutes(2)))
struct BatchHandlerTests {
    static func withPool(
        _ schema: TestSchema, _ configuration: JobWorkerPool.Configuration,
        handler: @escaping JobWorkerPool.BatchHandler, _ body: (JobWorkerPool) async throws -> Void
    ) async throws {
        let pool = JobWorkerPool(
            postgres: schema.configuration, configuration: configuration, logger: Logger(label: "herald.tests.jobs"),
            batchHandler: handler)
        try await withStarted(pool, body)
    }

    @Test(
        "a claimed batch reaches the handler whole; its outcomes are recorded and the jobs it did not reach are handed back"
    )
    func outcomesAndUnreached() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try JobQueue().enqueue((0..<4).map { _ in NewJob(kind: testKind) }, now: Date(), on: connection)
            let ids = try connection.query("SELECT id FROM jobs ORDER BY id").map { try $0.decode(0, as: Int64.self) }
            let batches = Locked<[[Int64]]>([])
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 1, batchSize: 4, pollInterval: .milliseconds(50))
            try await Self.withPool(schema, configuration) { jobs, _, _ in
                let first = batches.withLock {
                    $0.append(jobs.map(\.id))
                    return $0.count == 1
                }
                guard first else { return jobs.map { _ in .completed } }
                // Three outcomes for four jobs: the fourth was not reached.
                return [.completed, .retry(at: Date().addingTimeInterval(3600), error: "later"), .discard(error: "no")]
            } _: { _ in
                let done = try await eventually { try connection.jobRow(ids[3]).state == "completed" }
                #expect(done)
            }
            #expect(batches.value == [ids, [ids[3]]])
            #expect(try connection.jobRow(ids[0]).state == "completed")
            #expect(try connection.jobRow(ids[1]).state == "retryable")
            #expect(try connection.jobRow(ids[1]).lastError == "later")
            #expect(try connection.jobRow(ids[2]).state == "discarded")
            #expect(try connection.jobRow(ids[3]).attempts == 1, "handing back returned the unreached job's attempt")
        }
    }

    @Test("a batch handler that throws retries every job of its batch after the backoff")
    func thrownError() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try JobQueue().enqueue((0..<3).map { _ in NewJob(kind: testKind) }, now: Date(), on: connection)
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 1, batchSize: 3, pollInterval: .milliseconds(50), retryBase: .seconds(100))
            try await Self.withPool(schema, configuration) { _, _, _ in
                throw WorkerPoolTests.Boom()
            } _: { _ in
                let retried = try await eventually {
                    try connection.int("SELECT count(*) FROM jobs WHERE state = 'retryable' AND last_error = 'boom'")
                        == 3
                }
                #expect(retried)
            }
        }
    }

    @Test("stopping is visible to a running batch handler, and what it did not start goes back")
    func stopMidBatch() async throws {
        try await TestDatabase.withSchema { schema in
            let connection = try schema.connect()
            try JobQueue().enqueue((0..<3).map { _ in NewJob(kind: testKind) }, now: Date(), on: connection)
            let entered = DispatchSemaphore(value: 0)
            let sawStop = Locked(false)
            let configuration = JobWorkerPool.Configuration(
                kinds: [testKind], threads: 1, batchSize: 3, pollInterval: .milliseconds(50))
            try await Self.withPool(schema, configuration) { jobs, _, isStopping in
                entered.signal()
                let deadline = Date().addingTimeInterval(30)
                while !isStopping() && Date() < deadline { usleep(5_000) }
                sawStop.withLock { $0 = isStopping() }
                return [.completed]  // the first job ran; the pool was stopping before the others
            } _: { pool in
                #expect(entered.wait(timeout: .now() + 30) == .success)
                await pool.stop()
            }
            #expect(sawStop.value)
            #expect(try connection.int("SELECT count(*) FROM jobs WHERE state = 'completed'") == 1)
            #expect(
                try connection.int(
                    "SELECT count(*) FROM jobs WHERE state = 'available' AND attempts = 0 AND locked_by IS NULL")
                    == 2)
        }
    }
}
