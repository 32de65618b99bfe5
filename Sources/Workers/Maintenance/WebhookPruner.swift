import Foundation
import HeraldCore
import Logging
import Postgres
import ServiceLifecycle

/// Deletes processed webhooks past their retention (`WebhookRetention`,
/// `HERALD_WEBHOOK_RETENTION_DAYS`); pending and parked ones are never pruned.
public struct WebhookPruner: Service {
    /// Default: every minute.
    public static let defaultInterval: Duration = .seconds(60)

    private let runner: MaintenanceRunner
    private let retention: WebhookRetention

    public init(
        pool: PostgresPool, retention: WebhookRetention, clock: any HeraldClock, interval: Duration = Self.defaultInterval,
        logger: Logger
    ) {
        self.runner = MaintenanceRunner(name: "webhook_pruner", interval: interval, pool: pool, clock: clock, logger: logger)
        self.retention = retention
    }

    public func run() async throws {
        await runner.run { now, connection in try prune(now: now, on: connection) }
    }

    @discardableResult
    func prune(now: Date, on connection: PostgresConnection) throws -> Int {
        let pruned = try retention.prune(now: now, on: connection)
        if pruned > 0 {
            runner.logger.info(
                "processed webhooks past their retention pruned", metadata: ["herald.webhooks.pruned": "\(pruned)"])
        }
        return pruned
    }
}
