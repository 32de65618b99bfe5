import ArgumentParser
import Foundation
import JobQueue
import Logging
import Postgres
import Synchronization

/// `herald-bench jobs`: the job engine alone, on no-op jobs — the figure scripts/bench-send sets
/// next to pgbench's claim ceiling and PgQueuer. Enqueues `--jobs` no-op jobs in batches through
/// `JobQueue.enqueue`, then drains them with a `JobWorkerPool` (the same claim, lease, heartbeat
/// and batched completion every Herald job uses) whose handler does nothing, and prints one JSON
/// line with the rates. Run it against a database of its own: it deletes its jobs afterwards.
struct BenchJobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Benchmark the job engine: enqueue and drain no-op jobs, print jobs/s as JSON.",
        discussion: "Reads HERALD_DATABASE_URL (required) and HERALD_LOG_LEVEL (default warning)."
    )

    @Option(help: "No-op jobs to enqueue and drain.")
    var jobs = 100_000

    @Option(help: "Jobs per enqueue transaction.")
    var enqueueBatch = 1_000

    @Option(help: "Worker threads draining (each with its own connection).")
    var threads = 4

    @Option(help: "Jobs claimed per claim statement.")
    var claimBatch = 50

    @Option(help: "Distinct ordering keys among the jobs (0: none, like PgQueuer's no-op jobs).")
    var orderingKeys = 0

    func validate() throws {
        guard jobs > 0, enqueueBatch > 0, threads > 0, claimBatch > 0, orderingKeys >= 0 else {
            throw ValidationError("all counts must be positive (--ordering-keys may be 0)")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["HERALD_DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("HERALD_DATABASE_URL is required")
        }
        var logger = Logger(label: "herald.bench-jobs")
        logger.logLevel = environment["HERALD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let database = PostgresConfiguration(connectionString: url, applicationName: "herald-bench-jobs")
        let queue = JobQueue()
        let (jobs, enqueueBatch, orderingKeys) = (jobs, enqueueBatch, orderingKeys)

        let enqueueStarted = ContinuousClock.now
        try await Task.detached {
            let connection = try PostgresConnection(configuration: database)
            try queue.delete(kind: .noop, on: connection)
            var next = 0
            while next < jobs {
                let batch = (next..<min(jobs, next + enqueueBatch)).map { index in
                    NewJob(
                        kind: .noop, payload: PostgresJSON("{}"),
                        orderingKey: orderingKeys > 0 ? "k\(index % orderingKeys)" : nil)
                }
                try connection.transaction { try queue.enqueue(batch, now: Date(), on: $0) }
                next += batch.count
            }
            // As the pgbench baseline does: planner statistics for the fresh backlog (autovacuum
            // would get there too, but not within a benchmark's seconds).
            try connection.execute(script: "VACUUM ANALYZE jobs")
        }.value
        let enqueueSeconds = (ContinuousClock.now - enqueueStarted).timeInterval

        let handled = Handled()
        let pool = JobWorkerPool(
            postgres: database, queue: queue,
            configuration: .init(
                kinds: [.noop], threads: threads, batchSize: claimBatch, pollInterval: .milliseconds(20)),
            logger: logger,
            handler: { _, _ in
                handled.count.add(1, ordering: .relaxed)
                return .completed
            })
        let drainStarted = ContinuousClock.now
        pool.start()
        // Watched from here until every handler ran, then in the database until every completion
        // committed: polling the table all along cost Postgres as much as the claims it measures.
        while handled.count.load(ordering: .relaxed) < jobs {
            try await Task.sleep(for: .milliseconds(2))
        }
        let monitor = try PostgresConnection(configuration: database)
        while try queue.hasLiveJobs(kind: .noop, on: monitor) {
            try await Task.sleep(for: .milliseconds(2))
        }
        let drainSeconds = (ContinuousClock.now - drainStarted).timeInterval
        await pool.stop()
        try queue.delete(kind: .noop, on: monitor)

        let result: [String: Double] = [
            "jobs": Double(jobs), "enqueue_seconds": enqueueSeconds,
            "enqueue_per_second": Double(jobs) / enqueueSeconds,
            "drain_seconds": drainSeconds, "drain_per_second": Double(jobs) / drainSeconds,
            "threads": Double(threads), "claim_batch": Double(claimBatch),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}

extension JobKind {
    /// A job whose handler does nothing: what the benchmark measures the engine with. Defined
    /// here, not in JobQueue, so the production binary has no such kind.
    static let noop = JobKind("noop")
}

/// How many no-op jobs the handlers have run.
private final class Handled: Sendable {
    let count = Atomic<Int>(0)
}
