import Foundation
import HeraldCore
import JobQueue
import Logging
import Postgres
import ServiceLifecycle

/// Runs due scheduled jobs (inactivity checks) one claimed batch at a time, each job in its own
/// transaction with its effects, so a job is completed exactly when its effects commit.
public final class ScheduledJobWorker: Service, Sendable {
    private let pool: PostgresPool
    private let jobQueue: JobQueue
    private let inactivity: InactivityCheck
    private let clock: any HeraldClock
    private let pollInterval: Duration
    private let lease: Duration
    private let workerID: String
    private let logger: Logger
    let doorbell = Doorbell()

    public init(
        pool: PostgresPool, jobQueue: JobQueue, clock: any HeraldClock, pollInterval: Duration = .seconds(1),
        lease: Duration = .seconds(30), workerID: String, logger: Logger
    ) {
        self.pool = pool
        self.jobQueue = jobQueue
        self.inactivity = InactivityCheck(jobQueue: jobQueue)
        self.clock = clock
        self.pollInterval = pollInterval
        self.lease = lease
        self.workerID = workerID
        self.logger = logger
    }

    public func wake() { doorbell.ring() }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if await self.runDueJobs() == 0 { await self.doorbell.wait(timeout: self.pollInterval) }
            }
        }
    }

    /// Claims and runs up to 50 due jobs; returns how many ran.
    func runDueJobs() async -> Int {
        do {
            return try await pool.withConnection { [self] connection in
                var ran = 0
                for _ in 0..<50 {
                    let now = clock.now()
                    let ranOne = try connection.transaction { connection -> Bool in
                        guard let job = try jobQueue.claim(
                            kinds: [InactivityCheck.kind], limit: 1, worker: workerID, lease: lease, now: now, on: connection
                        ).first else { return false }
                        let outcome = try inactivity.run(job, now: now, on: connection)
                        try jobQueue.record(outcome, for: job, now: now, on: connection)
                        return true
                    }
                    guard ranOne else { break }
                    ran += 1
                }
                return ran
            }
        } catch {
            logger.error("scheduled jobs failed; retrying after the poll interval", metadata: ["herald.error": "\(error)"])
            return 0
        }
    }
}
