import Foundation
import HeraldCore
import Logging
import Postgres
import ServiceLifecycle

/// Durable webhook ingestion with group commit.
///
/// Requests hand their verified body to `store`, which suspends until the body is committed. A
/// few writer threads, each owning one database connection, take everything that is waiting and
/// write it with one multi-row INSERT, which commits once; so under load many requests share one
/// fsync, and each request is answered only after the commit that holds its row. While one writer
/// waits for its commit, the next takes what has arrived meanwhile, so commits overlap instead of
/// queueing behind each other. The same statement NOTIFYs ingest workers.
///
/// Failures are answered, never hidden: a full queue, an unreachable database or a shutdown each
/// throw a `Rejection`, which the route turns into a 503 so Facebook retries.
public final class WebhookBatcher: Service, Sendable {
    /// Batcher settings.
    public struct Configuration: Sendable {
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
        /// Writer threads, each with its own connection. Default: 2 (more writers make smaller
        /// batches, which cost Postgres more CPU per row on a small machine).
        public var writers: Int

        public init(
            queueCapacity: Int = 10_000, queueCapacityBytes: Int = 256 << 20, maxBatchSize: Int = 500,
            notifyChannel: String = WebhookEventStore.notifyChannel, maxReconnectBackoff: Duration = .seconds(2),
            writers: Int = 2
        ) {
            self.writers = max(1, writers)
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
    private let writers: [BatchWriter]
    private let logger: Logger

    public init(
        database: PostgresConfiguration, configuration: Configuration = Configuration(), metrics: GatewayMetrics,
        logger: Logger
    ) {
        self.queue = BatchQueue(configuration: configuration, metrics: metrics)
        self.writers = (1...configuration.writers).map { number in
            var logger = logger
            logger[metadataKey: "herald.batcher.writer"] = "\(number)"
            return BatchWriter(database: database, configuration: configuration, metrics: metrics, logger: logger)
        }
        self.logger = logger
    }

    /// Called once per body: success after the commit that holds it, or why it was not stored.
    /// Runs on a writer thread (or the caller's, for an immediate refusal), so it must be quick.
    public typealias Completion = @Sendable (Result<Void, Rejection>) -> Void

    /// Stores `body` durably; returns once it is committed.
    public func store(_ body: [UInt8]) async throws(Rejection) {
        let result: Result<Void, Rejection> = await withCheckedContinuation { continuation in
            store(body) { continuation.resume(returning: $0) }
        }
        try result.get()
    }

    /// Stores `body` durably and calls `completion` once it is committed or refused; for callers
    /// on an event loop, which must not wait.
    public func store(_ body: [UInt8], completion: @escaping Completion) {
        if let rejection = queue.enqueue(body, completion) { completion(.failure(rejection)) }
    }

    /// Runs the writer threads until graceful shutdown, then writes what is still queued and stops.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        await stop()
    }

    /// Starts the writer threads (for callers that do not use `run`).
    public func start() {
        queue.expectWriters(writers.count)
        for (number, writer) in writers.enumerated() {
            let thread = Thread { [queue] in
                while let batch = queue.nextBatch() {
                    writer.write(batch)
                }
                queue.markFinished()
            }
            thread.name = "herald.webhook-batcher.\(number + 1)"
            thread.start()
        }
        logger.info("webhook batcher started", metadata: ["herald.batcher.writers": "\(writers.count)"])
    }

    /// Refuses new bodies, flushes the queued ones, and returns when every writer has finished.
    public func stop() async {
        await queue.shutDownAndWait()
        logger.info("webhook batcher stopped")
    }
}
