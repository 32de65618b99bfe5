import Foundation
import HeraldCore
import Logging
import Postgres
import ServiceLifecycle

/// Probes blocked URLs whose probe is due (`BlockedURLs.probeDue`): the oldest message each one
/// holds back is resent, and the URL's next probe backs off. Checked every second; the probes'
/// own spacing is `HERALD_URL_PROBE_SECONDS`, doubling per probe.
public struct BlockedURLProber: Service {
    /// Default: every second.
    public static let defaultInterval: Duration = .seconds(1)

    private let runner: MaintenanceRunner
    private let blockedURLs: BlockedURLs

    public init(
        pool: PostgresPool, blockedURLs: BlockedURLs, clock: any HeraldClock, interval: Duration = Self.defaultInterval,
        logger: Logger
    ) {
        self.runner = MaintenanceRunner(
            name: "blocked_url_prober", interval: interval, pool: pool, clock: clock, logger: logger)
        self.blockedURLs = blockedURLs
    }

    public func run() async throws {
        await runner.run { now, connection in try probe(now: now, on: connection) }
    }

    @discardableResult
    func probe(now: Date, on connection: PostgresConnection) throws -> Int {
        let probed = try connection.transaction { try blockedURLs.probeDue(now: now, on: $0) }
        if probed > 0 {
            runner.logger.info(
                "blocked URLs probed: oldest held-back messages resent",
                metadata: ["herald.messages.requeued": "\(probed)"])
        }
        return probed
    }
}
