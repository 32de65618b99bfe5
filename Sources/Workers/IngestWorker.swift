import HeraldCore
import Logging
import Postgres
import ServiceLifecycle

/// Drains `webhook_events`: claims batches and applies them until none are due, then sleeps until
/// a NOTIFY from the gateway (or the poll interval) wakes it.
public final class IngestWorker: Service, Sendable {
    /// Worker settings.
    public struct Options: Sendable {
        /// Longest sleep without a NOTIFY before looking for work anyway. Default: 2 s.
        public var pollInterval: Duration
        public init(pollInterval: Duration = .seconds(2)) { self.pollInterval = pollInterval }
    }

    private let pool: PostgresPool
    private let ingestor: WebhookIngestor
    private let clock: any HeraldClock
    private let options: Options
    private let logger: Logger
    let doorbell = Doorbell()

    public init(pool: PostgresPool, ingestor: WebhookIngestor, clock: any HeraldClock, options: Options = Options(), logger: Logger) {
        self.pool = pool
        self.ingestor = ingestor
        self.clock = clock
        self.options = options
        self.logger = logger
    }

    /// Wakes the loop now (new webhooks were committed).
    public func wake() { doorbell.ring() }

    public func run() async throws {
        logger.info("ingest worker started")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let claimed = await self.drainOnce()
                if claimed == 0 { await self.doorbell.wait(timeout: self.options.pollInterval) }
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
            if outcome.parked > 0 || outcome.retried > 0 {
                logger.warning(
                    "webhook events failed",
                    metadata: ["herald.ingest.parked": "\(outcome.parked)", "herald.ingest.retried": "\(outcome.retried)"])
            }
            return outcome.claimed
        } catch {
            logger.error("ingest batch failed; retrying after the poll interval", metadata: ["herald.error": "\(error)"])
            return 0
        }
    }
}
