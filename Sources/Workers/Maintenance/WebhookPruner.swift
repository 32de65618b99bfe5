import Foundation
import HeraldCore
import Logging
import Postgres
import ServiceLifecycle

/// Keeps the webhook log's day partitions: creates the next days' ahead, and drops whole days
/// past their retention (`WebhookPartitions`, `HERALD_WEBHOOK_RETENTION_DAYS`); a day still
/// holding pending or parked webhooks keeps them and loses only its processed rows.
public struct WebhookPruner: Service {
    /// Default: every minute.
    public static let defaultInterval: Duration = .seconds(60)

    private let runner: MaintenanceRunner
    private let partitions: WebhookPartitions

    public init(
        pool: PostgresPool, retention: WebhookRetention, clock: any HeraldClock,
        interval: Duration = Self.defaultInterval,
        logger: Logger
    ) {
        self.runner = MaintenanceRunner(
            name: "webhook_pruner", interval: interval, pool: pool, clock: clock, logger: logger)
        self.partitions = WebhookPartitions(retention: retention)
    }

    public func run() async throws {
        await runner.run { now, connection in try prune(now: now, on: connection) }
    }

    @discardableResult
    func prune(now: Date, on connection: PostgresConnection) throws -> WebhookPartitions.Pruned {
        try partitions.createAhead(now: now, on: connection)
        let pruned = try partitions.dropExpired(now: now, on: connection)
        if pruned.rows > 0 || !pruned.partitions.isEmpty {
            runner.logger.info(
                "processed webhooks past their retention pruned",
                metadata: [
                    "herald.webhooks.pruned": "\(pruned.rows)", "herald.partitions.dropped": "\(pruned.partitions)",
                ])
        }
        return pruned
    }
}
