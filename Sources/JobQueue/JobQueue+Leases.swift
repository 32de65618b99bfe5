import Foundation
import Postgres

/// What `rescueExpiredLeases` did.
public struct JobRescue: Sendable, Hashable {
    /// Jobs put back to run again (`retryable`, due at once).
    public var retried: Int
    /// Jobs whose claim had used their last attempt (`discarded`).
    public var discarded: Int
    /// The discarded jobs' kinds and payloads, so their owners can settle what the job was for
    /// (a message whose send was interrupted must not stay `sending`).
    public var discardedJobs: [DiscardedJob]

    public init(retried: Int = 0, discarded: Int = 0, discardedJobs: [DiscardedJob] = []) {
        self.retried = retried
        self.discarded = discarded
        self.discardedJobs = discardedJobs
    }

    /// A job the rescue gave up on.
    public struct DiscardedJob: Sendable, Hashable {
        public var id: Int64
        public var kind: JobKind
        public var payload: PostgresJSON
    }
}

extension JobQueue {
    /// Heartbeat: moves the lease of the jobs `worker` still holds (running, locked by it) to
    /// `until`, never earlier. Returns the ids extended; a missing id was rescued or finished,
    /// so its worker no longer owns it.
    @discardableResult
    public func extendLease(
        jobIDs: [Int64], worker: String, until: Date, on connection: PostgresConnection
    ) throws -> [Int64] {
        guard !jobIDs.isEmpty else { return [] }
        return try connection.query(
            """
            UPDATE jobs SET locked_until = GREATEST(locked_until, $3)
            WHERE id = ANY($1::int8[]) AND state = 'running' AND locked_by = $2
            RETURNING id
            """, [PostgresArrayLiteral.int8(jobIDs), worker, until]
        ).map { try $0.decode(0, as: Int64.self) }
    }

    /// Moves running jobs whose lease passed before `now` back to `retryable` (due at `now`), or
    /// to `discarded` when their claim used their last attempt: attempts are counted when a job
    /// is claimed, so a job that kills its worker every time cannot loop forever.
    ///
    /// Takes at most `limit` jobs per call, skipping rows locked by a worker recording an outcome
    /// right now (SKIP LOCKED; the recheck under the row lock sees that outcome instead).
    @discardableResult
    public func rescueExpiredLeases(now: Date, limit: Int = 1000, on connection: PostgresConnection) throws -> JobRescue
    {
        let rows = try connection.query(
            """
            WITH expired AS MATERIALIZED (
                SELECT id FROM jobs WHERE state = 'running' AND locked_until < $1
                ORDER BY locked_until LIMIT $2
                FOR UPDATE SKIP LOCKED)
            UPDATE jobs SET
                state = CASE WHEN jobs.attempts >= jobs.max_attempts THEN 'discarded' ELSE 'retryable' END,
                run_at = CASE WHEN jobs.attempts >= jobs.max_attempts THEN jobs.run_at ELSE $1 END,
                finished_at = CASE WHEN jobs.attempts >= jobs.max_attempts THEN $1 END,
                last_error = 'lease expired while held by ' || coalesce(jobs.locked_by, 'an unknown worker'),
                locked_by = NULL, locked_until = NULL
            FROM expired WHERE jobs.id = expired.id
            RETURNING jobs.state, jobs.kind, jobs.id, jobs.payload
            """, [now, limit])
        var rescue = JobRescue()
        var retried: [JobKind] = []
        var discarded: [JobKind] = []
        for row in rows {
            let kind = JobKind(try row.decode(1, as: String.self))
            if try row.decode(0, as: String.self) == JobState.discarded.rawValue {
                rescue.discarded += 1
                discarded.append(kind)
                rescue.discardedJobs.append(
                    .init(
                        id: try row.decode(2, as: Int64.self), kind: kind,
                        payload: try row.decode(3, as: PostgresJSON.self)))
            } else {
                rescue.retried += 1
                retried.append(kind)
            }
        }
        // A rescue is how a crashed worker's job ends its attempt: counted like a handler's outcome.
        JobMetrics.count(.retried, retried)
        JobMetrics.count(.discarded, discarded)
        return rescue
    }

    /// Hands claimed jobs that `worker` never started back, as if they had not been claimed
    /// (their attempt returned, due as before). Used by a stopping `JobWorkerPool`.
    @discardableResult
    func release(_ ids: [Int64], worker: String, on connection: PostgresConnection) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try connection.query(
            """
            UPDATE jobs SET state = CASE WHEN attempts > 1 THEN 'retryable' ELSE 'available' END,
                            attempts = attempts - 1, locked_by = NULL, locked_until = NULL
            WHERE id = ANY($1::int8[]) AND state = 'running' AND locked_by = $2
            """, [PostgresArrayLiteral.int8(ids), worker]
        ).affectedRows
    }
}
