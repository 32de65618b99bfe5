import Foundation
import HeraldCore
import Logging
import Postgres

/// What every maintenance service shares (River's `maintenance` services, one duty each): a
/// pass every `interval` on a pooled connection, the first at start-up; a failed pass is logged
/// and tried again at the next interval. Each service runs alone, so a slow prune never delays
/// lease rescue.
public struct MaintenanceRunner: Sendable {
    /// Names the service in logs (`herald.maintenance`).
    public let name: String
    /// Time between passes.
    public let interval: Duration
    let pool: PostgresPool
    let clock: any HeraldClock
    let logger: Logger

    public init(name: String, interval: Duration, pool: PostgresPool, clock: any HeraldClock, logger: Logger) {
        self.name = name
        self.interval = interval
        self.pool = pool
        self.clock = clock
        self.logger = logger
    }

    /// Runs `pass` every `interval` until graceful shutdown.
    func run(_ pass: @escaping @Sendable (Date, PostgresConnection) throws -> Void) async {
        await ServiceLoop.run(every: interval) {
            await runOnce(pass)
            return false
        }
    }

    /// One pass, now; errors are logged, not thrown (the next interval tries again).
    func runOnce(_ pass: @escaping @Sendable (Date, PostgresConnection) throws -> Void) async {
        do {
            try await pool.withConnection { [clock] connection in try pass(clock.now(), connection) }
        } catch is CancellationError {
            // Shutdown came while the pass waited for a connection: nothing to report.
        } catch {
            logger.error(
                "maintenance pass failed; retrying after its interval",
                metadata: ["herald.maintenance": "\(name)", "herald.error": "\(error)"])
        }
    }
}
