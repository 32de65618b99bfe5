import Foundation
import HeraldCore
import JobQueue
import Postgres

/// Runs `inactivity_check` jobs (`InactivityCheck`): the check and its outcome commit in one
/// transaction, so the job is completed exactly when its notification (or its rescheduling) is.
public struct InactivityCheckHandler: Sendable {
    private let check: InactivityCheck
    private let jobQueue: JobQueue
    private let clock: any HeraldClock

    public init(jobQueue: JobQueue, clock: any HeraldClock) {
        self.check = InactivityCheck(jobQueue: jobQueue)
        self.jobQueue = jobQueue
        self.clock = clock
    }

    public static var kind: JobKind { InactivityCheck.kind }

    /// The pool's handler. Its outcome is already recorded when the pool records it again (a no-op).
    public func run(_ job: Job, _ connection: PostgresConnection) throws -> JobOutcome {
        let now = clock.now()
        return try connection.transaction { connection in
            let outcome = try check.run(job, now: now, on: connection)
            try jobQueue.record(outcome, for: job, now: now, on: connection)
            return outcome
        }
    }
}
