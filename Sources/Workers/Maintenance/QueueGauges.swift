import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle

/// Refreshes the backlog gauges every 5 s: jobs by kind (`JobMetrics.publish`), pending webhook
/// events, and the pages (`PageMetrics`). One pass over the live jobs (partial indexes), one over
/// pending events, one over the pages.
public struct QueueGauges: Service {
    /// Default: every 5 seconds.
    public static let defaultInterval: Duration = .seconds(5)

    private let runner: MaintenanceRunner
    private let jobQueue: JobQueue
    private let kinds: [JobKind]

    /// `kinds` read 0 rather than nothing when their queue is empty (the kinds this process runs).
    public init(
        pool: PostgresPool, jobQueue: JobQueue, kinds: [JobKind], clock: any HeraldClock,
        interval: Duration = Self.defaultInterval, logger: Logger
    ) {
        self.runner = MaintenanceRunner(
            name: "queue_gauges", interval: interval, pool: pool, clock: clock, logger: logger)
        self.jobQueue = jobQueue
        self.kinds = kinds
    }

    public func run() async throws {
        await runner.run { now, connection in try publish(now: now, on: connection) }
    }

    func publish(now: Date, on connection: PostgresConnection) throws {
        JobMetrics.publish(try jobQueue.stats(now: now, includeFinished: false, on: connection), kinds: kinds)
        let (pending, oldest) = try WebhookEventStore().pendingBacklog(on: connection)
        WorkerMetrics.publishWebhookBacklog(pending: pending, oldest: oldest, now: now)
        try PageMetrics.publish(now: now, on: connection)
    }
}
