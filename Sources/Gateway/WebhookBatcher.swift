import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Durable webhook ingestion with group commit.
///
/// Requests hand their verified body to `store`, which suspends until the body is committed. One
/// thread owns one database connection and writes everything that is waiting with one multi-row
/// INSERT, which commits once; so under load many requests share one fsync, and each request is
/// answered only after the commit that holds its row. The same statement NOTIFYs ingest workers.
///
/// Failures are answered, never hidden: a full queue, an unreachable database or a shutdown each
/// throw a `Rejection`, which the route turns into a 503 so Facebook retries.
public final class WebhookBatcher: Service, Sendable {
    /// Batcher settings.
    public struct Options: Sendable {
        /// Most bodies waiting at once before new ones are refused. Default: 10,000.
        public var queueCapacity: Int
        /// Most bytes waiting at once before new bodies are refused. Default: 256 MiB.
        public var queueCapacityBytes: Int
        /// Most rows written by one statement. Default: 500.
        public var maxBatchSize: Int
        /// Channel NOTIFYed after each commit. Default: `herald_webhook_events`.
        public var notifyChannel: String
        /// Longest wait between reconnection attempts while the database is down. Default: 2 s.
        public var maxReconnectBackoff: Duration

        public init(
            queueCapacity: Int = 10_000, queueCapacityBytes: Int = 256 << 20, maxBatchSize: Int = 500,
            notifyChannel: String = "herald_webhook_events", maxReconnectBackoff: Duration = .seconds(2)
        ) {
            self.queueCapacity = queueCapacity
            self.queueCapacityBytes = queueCapacityBytes
            self.maxBatchSize = max(1, min(maxBatchSize, 10_000))
            self.notifyChannel = notifyChannel
            self.maxReconnectBackoff = maxReconnectBackoff
        }
    }

    /// Why a body was not stored.
    public enum Rejection: Error, Sendable, Equatable {
        case queueFull
        case databaseUnavailable
        case shuttingDown
    }

    private let queue: BatchQueue
    private let writer: BatchWriter
    private let logger: Logger

    public init(
        database: PostgresConfiguration, options: Options = Options(), metrics: GatewayMetrics, logger: Logger
    ) {
        self.queue = BatchQueue(options: options, metrics: metrics)
        self.writer = BatchWriter(database: database, options: options, metrics: metrics, logger: logger)
        self.logger = logger
    }

    /// Stores `body` durably; returns once it is committed.
    public func store(_ body: [UInt8]) async throws(Rejection) {
        let result: Result<Void, Rejection> = await withCheckedContinuation { continuation in
            if let rejection = queue.enqueue(body, continuation) { continuation.resume(returning: .failure(rejection)) }
        }
        try result.get()
    }

    /// Runs the writer thread until graceful shutdown, then writes what is still queued and stops.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        await stop()
    }

    /// Starts the writer thread (for callers that do not use `run`).
    public func start() {
        let thread = Thread { [queue, writer] in
            while let batch = queue.nextBatch() {
                writer.write(batch)
            }
            queue.markFinished()
        }
        thread.name = "herald.webhook-batcher"
        thread.start()
        logger.info("webhook batcher started")
    }

    /// Refuses new bodies, flushes the queued ones, and returns when the thread has finished.
    public func stop() async {
        await queue.shutDownAndWait()
        logger.info("webhook batcher stopped")
    }
}
