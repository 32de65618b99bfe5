import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle

/// Drains `webhook_events`: claims batches and applies them until none are due, then sleeps until
/// a NOTIFY from the gateway (or the poll interval) wakes it. It keeps its own batched claim of
/// `webhook_events` (one transaction claims, applies and marks up to 1,000 events: what ingest's
/// speed needs) but shares the job engine's backoff (`JobQueue.backoff`, in `WebhookIngestor`),
/// its metrics style (cached handles, `WorkerMetrics`) and its lifecycle (`ServiceLoop`).
///
/// Several loops run side by side (SKIP LOCKED keeps them apart): while one decodes its batch in
/// this process, another waits on Postgres, so both the process and the database stay busy.
public final class IngestWorker: Service, Sendable {
    /// Worker settings.
    public struct Configuration: Sendable {
        /// Longest sleep without a NOTIFY before looking for work anyway. Default: 2 s.
        public var pollInterval: Duration
        /// Drain loops in this process, each with its own pooled connection. Default: 2.
        public var loops: Int

        public init(pollInterval: Duration = .seconds(2), loops: Int = 2) {
            self.pollInterval = pollInterval
            self.loops = max(1, loops)
        }
    }

    private let pool: PostgresPool
    private let ingestor: WebhookIngestor
    private let clock: any HeraldClock
    private let configuration: Configuration
    private let logger: Logger
    private let doorbells: [Doorbell]

    public init(
        pool: PostgresPool, ingestor: WebhookIngestor, clock: any HeraldClock,
        configuration: Configuration = Configuration(), logger: Logger
    ) {
        self.pool = pool
        self.ingestor = ingestor
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.doorbells = (0..<configuration.loops).map { _ in Doorbell() }
    }

    /// Wakes the loop now (new webhooks were committed).
    public func wake() { doorbells.forEach { $0.ring() } }

    /// The loops share the engine's lifecycle (`ServiceLoop`): on graceful shutdown each finishes
    /// the batch it is applying (claim and apply are one transaction, so nothing claimed is left
    /// behind) and stops.
    public func run() async throws {
        logger.info("ingest worker started", metadata: ["herald.ingest.loops": "\(doorbells.count)"])
        await withTaskGroup(of: Void.self) { group in
            for doorbell in self.doorbells {
                group.addTask {
                    await ServiceLoop.run(every: self.configuration.pollInterval, doorbell: doorbell) {
                        await self.drainOnce() > 0
                    }
                }
            }
        }
        logger.info("ingest worker stopped")
    }

    /// One batch; returns how many events it claimed (0 when idle or the database is down).
    func drainOnce() async -> Int {
        do {
            let outcome = try await pool.withConnection { [ingestor, clock] connection in
                try ingestor.ingestBatch(now: clock.now(), on: connection)
            }
            WorkerMetrics.ingested(outcome)
            if outcome.parked > 0 || outcome.retried > 0 {
                logger.warning(
                    "webhook events failed",
                    metadata: [
                        "herald.ingest.parked": "\(outcome.parked)", "herald.ingest.retried": "\(outcome.retried)",
                    ])
            }
            return outcome.claimed
        } catch {
            logger.error(
                "ingest batch failed; retrying after the poll interval", metadata: ["herald.error": "\(error)"])
            return 0
        }
    }
}
