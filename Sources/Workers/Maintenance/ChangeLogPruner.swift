import Foundation
import HeraldCore
import Logging
import Postgres
import ServiceLifecycle

/// Keeps the stream's change log to its newest `ChangeLog.retainedRows` rows: the window a
/// `/v1/stream` client can resume from with `Last-Event-ID`.
public struct ChangeLogPruner: Service {
    /// Default: every minute.
    public static let defaultInterval: Duration = .seconds(60)

    private let runner: MaintenanceRunner

    public init(pool: PostgresPool, clock: any HeraldClock, interval: Duration = Self.defaultInterval, logger: Logger) {
        self.runner = MaintenanceRunner(
            name: "change_log_pruner", interval: interval, pool: pool, clock: clock, logger: logger)
    }

    public func run() async throws {
        await runner.run { _, connection in try ChangeLog().prune(on: connection) }
    }
}
