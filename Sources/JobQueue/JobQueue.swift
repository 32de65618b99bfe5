import Foundation
import Postgres

/// The job engine's SQL: enqueue (inside the caller's transaction), claim with
/// `FOR UPDATE SKIP LOCKED`, a lease and per-key order, and record outcomes. Leases, backoff,
/// pruning and statistics live in the `JobQueue+*.swift` extensions; `JobWorkerPool` runs jobs.
///
/// Every call takes the connection it runs on, so job changes commit or roll back together with
/// the caller's own writes (a message row and its send job, say). Nothing here keeps state.
public struct JobQueue: Sendable {
    /// Channel NOTIFYed when jobs are enqueued, so idle workers wake at once.
    public let notifyChannel: String

    public init(notifyChannel: String = "herald_jobs") {
        self.notifyChannel = notifyChannel
    }

    /// Inserts jobs in one statement; a job whose kind and unique key match a live job moves
    /// that job's `run_at` later instead. NOTIFYs on commit.
    public func enqueue(_ jobs: [NewJob], now: Date, on connection: PostgresConnection) throws {
        guard !jobs.isEmpty else { return }
        var rows = JSONRecordSet()
        for job in jobs {
            rows.beginRow()
            rows.field("kind", job.kind.rawValue)
            rows.field("payload", json: job.payload.bytes)
            rows.field("run_at", Self.postgresMicroseconds(job.runAt ?? now))
            rows.field("max_attempts", Int64(job.maxAttempts))
            rows.field("ordering_key", job.orderingKey)
            rows.field("unique_key", job.uniqueKey)
            rows.endRow()
        }
        let document = rows.json
        // WITH ORDINALITY + ORDER BY: ids follow the array's order, which is the creation order
        // that jobs sharing an ordering key run in.
        try connection.query(
            """
            INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, unique_key)
            SELECT kind, payload, timestamptz '2000-01-01 00:00:00+00' + run_at * interval '1 microsecond',
                   max_attempts, ordering_key, unique_key
            FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (kind text, payload jsonb, run_at int8, max_attempts int,
                                                              ordering_key text, unique_key text))
                WITH ORDINALITY AS x(kind, payload, run_at, max_attempts, ordering_key, unique_key, n)
            ORDER BY n
            ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'retryable', 'running')
            DO UPDATE SET run_at = GREATEST(jobs.run_at, EXCLUDED.run_at), payload = EXCLUDED.payload
            """, [document])
        // Workers poll at least every few seconds; a wake-up for jobs due much later than that
        // only makes every worker run a claim that finds nothing (an ingest batch schedules an
        // inactivity check 24 hours ahead for each customer it saw).
        guard jobs.contains(where: { ($0.runAt ?? now) <= now.addingTimeInterval(Self.wakeUpHorizon) }) else { return }
        try connection.notify(channel: notifyChannel, payload: "")
    }

    /// Jobs due within this many seconds wake the workers at commit; later ones are found by a poll.
    public static let wakeUpHorizon: TimeInterval = 60

    /// A time as Postgres stores it (microseconds since 2000-01-01 UTC), rounded exactly as a
    /// `Date` parameter is, so a job enqueued for `now` is due for a claim at that same `now`.
    static func postgresMicroseconds(_ date: Date) -> Int64 {
        Int64(((date.timeIntervalSince1970 - 946_684_800) * 1_000_000).rounded())
    }

    /// Claims up to `limit` due jobs of `kinds`, leasing them to `worker` until `now + lease`;
    /// returns them oldest first.
    ///
    /// SKIP LOCKED lets many workers claim at once without waiting on each other; the lease
    /// (`locked_until`) is what brings a crashed worker's jobs back (`rescueExpiredLeases`).
    ///
    /// Per-key order: a job with an ordering key is taken only when no older job of its key is
    /// live and no job of its key is running, both read in the statement's snapshot. That is
    /// enough under concurrency: a claim another worker has not committed yet still shows the job
    /// as available, which blocks every newer job of the key, and a committed claim shows it
    /// running; a job's state only unblocks its key once it is final (completed or discarded),
    /// which no snapshot can see early. So one statement takes at most a key's head, and two
    /// claimers never take two jobs of a key. The one gap, two enqueuing transactions of a key
    /// committing out of id order, is closed by the unique index `jobs_ordering_running`: the
    /// second claimer waits for the first one's transaction, then fails and is retried here with
    /// a fresh snapshot (inside a caller's transaction, behind a savepoint). Such jobs run one at
    /// a time, in the order their enqueues became visible.
    public func claim(
        kinds: [JobKind], limit: Int, worker: String, lease: Duration, now: Date, on connection: PostgresConnection
    ) throws -> [Job] {
        guard limit > 0, !kinds.isEmpty else { return [] }
        let parameters: [any PostgresEncodable] = [
            PostgresArrayLiteral.text(kinds.map(\.rawValue)), worker, now, lease.timeInterval,
        ]
        let limit = min(limit, 10_000)
        let inTransaction = connection.transactionState != .idle
        for attempt in 1...3 {
            if inTransaction { try connection.execute(script: "SAVEPOINT herald_job_claim") }
            do {
                let rows = try connection.query(
                    prepared: "herald_job_claim_\(limit)", Self.claimSQL(limit: limit), parameters)
                if inTransaction { try connection.execute(script: "RELEASE SAVEPOINT herald_job_claim") }
                let jobs = try rows.map(Self.decodeJob).sorted { ($0.runAt, $0.id) < ($1.runAt, $1.id) }
                JobMetrics.count(.claimed, jobs.map(\.kind))
                return jobs
            } catch let error as PostgresError
                where error.sqlState == .uniqueViolation && error.constraint == "jobs_ordering_running"
            {
                if inTransaction { try connection.execute(script: "ROLLBACK TO SAVEPOINT herald_job_claim") }
                if attempt == 3 { return [] }  // still racing: the next poll takes these jobs
            }
        }
        return []
    }

    /// SET clause completing a claimed job; `$3` is now. See `record` on re-arming. Public so
    /// `herald-bench statements` can hand it to pgbench's ceiling measurement unchanged.
    public static let completion = """
        state = CASE WHEN run_at > $3 THEN (CASE WHEN attempts > 1 THEN 'retryable' ELSE 'available' END)
                     ELSE 'completed' END,
        attempts = CASE WHEN run_at > $3 THEN attempts - 1 ELSE attempts END,
        finished_at = CASE WHEN run_at > $3 THEN NULL ELSE $3 END,
        locked_by = NULL, locked_until = NULL
        """

    private static let completeAllSQL = """
        UPDATE jobs SET \(completion)
        WHERE id = ANY($1::int8[]) AND state = 'running' AND ($2::text IS NULL OR locked_by = $2)
        RETURNING kind
        """

    // The running check comes first: Postgres evaluates it as one hash of the running keys, so
    // a backlog queued behind a running job is skipped at a hash probe per row; the older-job
    // check is an index probe (jobs_ordering) per row. Jobs blocked behind a *waiting* head still
    // cost that probe each, so a claim slows with the number of such jobs due before the
    // first claimable one (about 7 µs each).
    //
    // The limit is part of the text (one prepared statement per limit) and the update finds the
    // picked rows through `= ANY(ARRAY(…))`, so that Postgres keeps one generic plan of index
    // lookups. With `LIMIT $n`, or the update joined to `picked`, it overrated the generic plan
    // and planned the statement afresh on every call: about 0.5 ms of Postgres CPU per claim,
    // the largest single cost of sending a message.
    //
    // Public so `herald-bench statements` hands pgbench this very text, not a copy.
    public static func claimSQL(limit: Int) -> String {
        """
        WITH picked AS MATERIALIZED (
            SELECT j.id FROM jobs j
            WHERE j.state IN ('available', 'retryable') AND j.run_at <= $3 AND j.kind = ANY($1::text[])
              AND (j.ordering_key IS NULL OR (
                   NOT EXISTS (SELECT 1 FROM jobs r WHERE r.ordering_key = j.ordering_key AND r.state = 'running')
                   AND NOT EXISTS (SELECT 1 FROM jobs o
                                   WHERE o.ordering_key = j.ordering_key AND o.id < j.id
                                     AND o.state IN ('available', 'retryable', 'running'))))
            ORDER BY j.run_at, j.id
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED)
        UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, locked_by = $2,
                        locked_until = $3::timestamptz + make_interval(secs => $4)
        WHERE jobs.id = ANY (ARRAY(SELECT id FROM picked))
        RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts, jobs.ordering_key,
                  jobs.unique_key, jobs.run_at
        """
    }

    private static func decodeJob(_ row: PostgresRow) throws -> Job {
        Job(
            id: try row.decode(0, as: Int64.self), kind: JobKind(try row.decode(1, as: String.self)),
            payload: try row.decode(2, as: PostgresJSON.self), attempts: try row.decode(3, as: Int.self),
            maxAttempts: try row.decode(4, as: Int.self), orderingKey: try row.decode(5, as: String?.self),
            uniqueKey: try row.decode(6, as: String?.self), runAt: try row.decode(7, as: Date.self))
    }

    /// Records what a handler decided. A retry past `maxAttempts` becomes a discard.
    ///
    /// A completed job whose `run_at` was moved past `now` while it ran (a unique-key enqueue
    /// during the run, say "check again at this later time") is re-armed for that time instead
    /// of completed, as a snooze: the request is not lost to the run that was already going.
    ///
    /// Applies only to the claim `job` came from (still running, same attempt), so a worker
    /// whose lease expired cannot overwrite what a later claim did; returns whether it applied.
    /// A handler may record its own outcome inside its transaction; a second record is a no-op.
    @discardableResult
    public func record(_ outcome: JobOutcome, for job: Job, now: Date, on connection: PostgresConnection) throws -> Bool
    {
        let claim = "id = $1 AND state = 'running' AND attempts = $2"
        let rows: PostgresRows
        switch outcome {
        case .completed:
            rows = try connection.query(
                "UPDATE jobs SET \(Self.completion) WHERE \(claim)", [job.id, job.attempts, now])
        case .retry(let at, let error) where job.attempts < job.maxAttempts:
            rows = try connection.query(
                """
                UPDATE jobs SET state = 'retryable', run_at = $3, last_error = $4, locked_by = NULL, locked_until = NULL
                WHERE \(claim)
                """, [job.id, job.attempts, at, error])
        case .retry(_, let error), .discard(let error):
            rows = try connection.query(
                """
                UPDATE jobs SET state = 'discarded', finished_at = $3, last_error = $4, locked_by = NULL,
                                locked_until = NULL
                WHERE \(claim)
                """, [job.id, job.attempts, now, error])
        case .snooze(let until):
            // Not an attempt after all: hand the claim's attempt back.
            rows = try connection.query(
                """
                UPDATE jobs SET state = CASE WHEN attempts > 1 THEN 'retryable' ELSE 'available' END,
                                attempts = attempts - 1, run_at = $3, locked_by = NULL, locked_until = NULL
                WHERE \(claim)
                """, [job.id, job.attempts, until])
        }
        guard rows.affectedRows == 1 else { return false }
        switch outcome {
        case .completed: JobMetrics.count(.completed, [job.kind])
        case .retry where job.attempts < job.maxAttempts: JobMetrics.count(.retried, [job.kind])
        case .retry, .discard: JobMetrics.count(.discarded, [job.kind])
        case .snooze: break
        }
        return true
    }

    /// Completes many running jobs in one statement (high-throughput jobs whose handlers did
    /// nothing worth a transaction of their own). With `worker`, only jobs it still holds.
    /// Returns how many were completed (or, like `record`, re-armed).
    @discardableResult
    public func completeAll(
        _ ids: [Int64], worker: String? = nil, now: Date, on connection: PostgresConnection
    ) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let kinds = try connection.query(
            prepared: "herald_job_complete_all", Self.completeAllSQL, [PostgresArrayLiteral.int8(ids), worker, now]
        ).map { JobKind(try $0.decode(0, as: String.self)) }
        JobMetrics.count(.completed, kinds)
        return kinds.count
    }
}
