import Foundation
import HeraldCore
import Logging
import Postgres

/// Writes batches on one writer thread through the one connection it owns.
///
/// `@unchecked Sendable`: it is created on one thread and then used only by its writer thread.
final class BatchWriter: @unchecked Sendable {
    private let configuration: WebhookBatcher.Configuration
    private let metrics: GatewayMetrics
    private let logger: Logger
    /// Between failed attempts it waits (100 ms, doubling up to `maxReconnectBackoff`) and fails
    /// batches at once meanwhile, so requests get a quick 503 instead of each waiting on a
    /// connect timeout.
    private var connection: ReconnectingConnection
    private var batchNumber = 0

    init(
        database: PostgresConfiguration, configuration: WebhookBatcher.Configuration, metrics: GatewayMetrics,
        logger: Logger
    ) {
        self.connection = ReconnectingConnection(
            configuration: database,
            backoff: .init(first: .milliseconds(100), maximum: configuration.maxReconnectBackoff))
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
            try WebhookEventStore().insert(
                bodies: batch.map(\.body), notifying: configuration.notifyChannel, on: connection)
        } catch {
            logger.error(
                "webhook batch not stored; answering 503",
                metadata: ["herald.batch.size": "\(batch.count)", "herald.error": "\(error)"])
            if error.isConnectionError || !connection.isConnected { self.connection.drop() }
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
    private func liveConnection(_ logger: Logger) -> PostgresConnection? {
        let opened = connection.opened
        do {
            let live = try connection.live()
            if connection.opened != opened { logger.info("webhook batcher connected to the database") }
            return live
        } catch is ReconnectingConnection.Waiting {
            return nil
        } catch {
            logger.warning("webhook batcher cannot reach the database", metadata: ["herald.error": "\(error)"])
            return nil
        }
    }
}
