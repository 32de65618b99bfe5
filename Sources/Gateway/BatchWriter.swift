import Foundation
import HeraldCore
import Logging
import Postgres

/// Writes batches on one writer thread through the one connection it owns.
///
/// `@unchecked Sendable`: it is created on one thread and then used only by its writer thread.
final class BatchWriter: @unchecked Sendable {
    private let database: PostgresConfiguration
    private let configuration: WebhookBatcher.Configuration
    private let metrics: GatewayMetrics
    private let logger: Logger
    private var connection: PostgresConnection?
    private var nextConnectAttempt = ContinuousClock.now
    private var backoff: Duration = .milliseconds(100)
    private var batchNumber = 0

    init(database: PostgresConfiguration, configuration: WebhookBatcher.Configuration, metrics: GatewayMetrics, logger: Logger) {
        self.database = database
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// Commits the batch and resumes every request in it: success only after COMMIT.
    func write(_ batch: [PendingWebhook]) {
        batchNumber += 1
        var logger = self.logger
        logger[metadataKey: "herald.batch.id"] = "\(batchNumber)"
        guard let connection = liveConnection(logger) else {
            fail(batch, .databaseUnavailable)
            return
        }
        let started = ContinuousClock.now
        do {
            try WebhookEventStore().insert(bodies: batch.map(\.body), notifying: configuration.notifyChannel, on: connection)
        } catch {
            logger.error(
                "webhook batch not stored; answering 503",
                metadata: ["herald.batch.size": "\(batch.count)", "herald.error": "\(error)"])
            if error.isConnectionError || !connection.isConnected { drop() }
            fail(batch, .databaseUnavailable)
            return
        }
        metrics.committedBatch(size: batch.count, after: ContinuousClock.now - started)
        logger.trace("webhook batch committed", metadata: ["herald.batch.size": "\(batch.count)"])
        for pending in batch { pending.completion(.success(())) }
    }

    /// Each request counts its own rejection (WebhookIntake), so none is counted here.
    private func fail(_ batch: [PendingWebhook], _ rejection: WebhookBatcher.Rejection) {
        for pending in batch { pending.completion(.failure(rejection)) }
    }

    /// The connection, reconnecting when it broke; nil while the database is unreachable.
    ///
    /// Between failed attempts it waits (doubling up to `maxReconnectBackoff`) and fails batches
    /// at once meanwhile, so requests get a quick 503 instead of each waiting on a connect timeout.
    private func liveConnection(_ logger: Logger) -> PostgresConnection? {
        if let connection, connection.checkAlive() { return connection }
        if connection != nil { drop() }
        guard ContinuousClock.now >= nextConnectAttempt else { return nil }
        do {
            let fresh = try PostgresConnection(configuration: database)
            connection = fresh
            backoff = .milliseconds(100)
            logger.info("webhook batcher connected to the database")
            return fresh
        } catch {
            nextConnectAttempt = ContinuousClock.now + backoff
            backoff = min(backoff * 2, configuration.maxReconnectBackoff)
            logger.warning("webhook batcher cannot reach the database", metadata: ["herald.error": "\(error)"])
            return nil
        }
    }

    private func drop() { connection = nil }
}
