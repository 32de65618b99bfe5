import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle

/// Deletes completed and discarded jobs older than `retention` (River's job cleaner): the `jobs`
/// table stays the size of its live work plus a week of history.
public struct JobPruner: Service {
    /// Default: every minute.
    public static let defaultInterval: Duration = .seconds(60)
    /// How long finished jobs are kept. Default: 7 days.
    public static let defaultRetention: TimeInterval = 7 * 86_400

    private let runner: MaintenanceRunner
    private let jobQueue: JobQueue
    private let retention: TimeInterval

    public init(
        pool: PostgresPool, jobQueue: JobQueue, clock: any HeraldClock, retention: TimeInterval = Self.defaultRetention,
        interval: Duration = Self.defaultInterval, logger: Logger
    ) {
        self.runner = MaintenanceRunner(
            name: "job_pruner", interval: interval, pool: pool, clock: clock, logger: logger)
        self.jobQueue = jobQueue
        self.retention = retention
    }

    public func run() async throws {
        await runner.run { now, connection in try prune(now: now, on: connection) }
    }

    /// One pass: up to 10 rounds of 10,000 (about 1,600 finished jobs/s per process at one pass a
    /// minute), so pruning keeps up with a busy queue instead of falling behind.
    @discardableResult
    func prune(now: Date, on connection: PostgresConnection) throws -> Int {
        var total = 0
        for _ in 0..<10 {
            let pruned = try jobQueue.prune(
                finishedBefore: now.addingTimeInterval(-retention), limit: 10_000, on: connection)
            total += pruned
            if pruned < 10_000 { break }
        }
        return total
    }
}
