import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle

/// Hands back jobs whose lease expired (their worker died or stalled past its heartbeats):
/// retried, or discarded when that claim was their last attempt (River's rescuer).
///
/// A send discarded this way settles its message: `failed` `graph_unavailable` with an attempt
/// row, rather than `sending` for ever where no resend can reach it.
public struct LeaseRescuer: Service {
    /// Default: every second, so a dead worker's jobs return within a lease and a second.
    public static let defaultInterval: Duration = .seconds(1)

    private let runner: MaintenanceRunner
    private let jobQueue: JobQueue
    private let attempts = SendAttempts()

    public init(
        pool: PostgresPool, jobQueue: JobQueue, clock: any HeraldClock, interval: Duration = Self.defaultInterval,
        logger: Logger
    ) {
        self.runner = MaintenanceRunner(
            name: "lease_rescuer", interval: interval, pool: pool, clock: clock, logger: logger)
        self.jobQueue = jobQueue
    }

    public func run() async throws {
        await runner.run { now, connection in try rescue(now: now, on: connection) }
    }

    /// One pass: rescues what expired before `now`.
    @discardableResult
    func rescue(now: Date, on connection: PostgresConnection) throws -> JobRescue {
        let rescued = try jobQueue.rescueExpiredLeases(now: now, on: connection)
        for job in rescued.discardedJobs where job.kind == OutboundStore.sendKind {
            guard let payload = SendJobPayload(job.payload) else { continue }
            try attempts.abandon(
                messageID: payload.messageID,
                detail: "the send was interrupted on its last attempt (its worker stopped); it may have been delivered",
                now: now, on: connection)
        }
        if rescued.retried + rescued.discarded > 0 {
            runner.logger.warning(
                "jobs whose worker stopped heartbeating were handed back",
                metadata: [
                    "herald.jobs.retried": "\(rescued.retried)", "herald.jobs.discarded": "\(rescued.discarded)",
                ])
        }
        return rescued
    }
}
