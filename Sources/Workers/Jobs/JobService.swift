import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle

/// Runs jobs of some kinds on a `JobWorkerPool` as a service, each kind by its own handler: the
/// inactivity checks, the page-subscription retries, and any kind added next. (Sends have their
/// own pool, `SendWorker`, whose handler runs a claimed batch as a whole.)
///
/// Graceful shutdown stops claiming, lets running handlers finish and hands claimed jobs not
/// yet started back (`JobWorkerPool.stop`).
public final class JobService: Service, Sendable {
    private let pool: JobWorkerPool

    /// Runs `handlers`' kinds; `configuration.kinds` is replaced by theirs.
    public init(
        database: PostgresConfiguration, jobQueue: JobQueue, configuration: JobWorkerPool.Configuration,
        handlers: [JobKind: JobWorkerPool.Handler], clock: any HeraldClock, logger: Logger
    ) {
        var configuration = configuration
        configuration.kinds = handlers.keys.sorted { $0.rawValue < $1.rawValue }
        pool = JobWorkerPool(
            postgres: database, queue: jobQueue, configuration: configuration, now: { clock.now() }, logger: logger,
            handler: { job, connection in
                guard let handler = handlers[job.kind] else {
                    return .discard(error: "no handler for kind \(job.kind)")
                }
                return try handler(job, connection)
            })
    }

    /// The kinds this service runs.
    public var kinds: [JobKind] { pool.configuration.kinds }

    /// Claims at once (jobs were enqueued).
    public func wake() { pool.wake() }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.pool.run() }
    }
}
