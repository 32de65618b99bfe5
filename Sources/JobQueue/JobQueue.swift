import Foundation
import Postgres

/// The job engine's SQL: enqueue (inside the caller's transaction), claim with
/// `FOR UPDATE SKIP LOCKED` and a lease, and record outcomes.
///
/// Every call takes the connection it runs on, so job changes commit or roll back together with
/// the caller's own writes (a message row and its send job, say).
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
            rows.field("run_at", Int64(((job.runAt ?? now).timeIntervalSince1970 * 1000).rounded()))
            rows.field("max_attempts", Int64(job.maxAttempts))
            rows.field("ordering_key", job.orderingKey)
            rows.field("unique_key", job.uniqueKey)
            rows.endRow()
        }
        let document = rows.json
        try connection.query(
            """
            INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, unique_key)
            SELECT kind, payload, to_timestamp(run_at / 1000.0), max_attempts, ordering_key, unique_key
            FROM jsonb_to_recordset($1::jsonb) AS x(kind text, payload jsonb, run_at float8, max_attempts int,
                                                    ordering_key text, unique_key text)
            ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'retryable', 'running')
            DO UPDATE SET run_at = GREATEST(jobs.run_at, EXCLUDED.run_at), payload = EXCLUDED.payload
            """, [document])
        try connection.notify(channel: notifyChannel, payload: "")
    }

    /// Claims up to `limit` due jobs of `kinds`, leasing them to `worker` until `now + lease`.
    ///
    /// SKIP LOCKED lets many workers claim at once without waiting on each other; the lease
    /// (`locked_until`) is what brings a crashed worker's jobs back.
    public func claim(
        kinds: [JobKind], limit: Int, worker: String, lease: Duration, now: Date, on connection: PostgresConnection
    ) throws -> [Job] {
        let kindList = "{" + kinds.map(\.rawValue).joined(separator: ",") + "}"
        let leaseSeconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        let rows = try connection.query(
            """
            UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $3,
                            locked_until = $4::timestamptz + make_interval(secs => $5)
            WHERE id IN (
                SELECT id FROM jobs
                WHERE state IN ('available', 'retryable') AND run_at <= $4 AND kind = ANY($1::text[])
                ORDER BY run_at, id
                LIMIT $2
                FOR UPDATE SKIP LOCKED)
            RETURNING id, kind, payload, attempts, max_attempts, ordering_key, unique_key, run_at
            """, [kindList, limit, worker, now, leaseSeconds])
        return try rows.map { row in
            Job(
                id: try row.decode(0, as: Int64.self), kind: JobKind(try row.decode(1, as: String.self)),
                payload: try row.decode(2, as: PostgresJSON.self), attempts: try row.decode(3, as: Int.self),
                maxAttempts: try row.decode(4, as: Int.self), orderingKey: try row.decode(5, as: String?.self),
                uniqueKey: try row.decode(6, as: String?.self), runAt: try row.decode(7, as: Date.self))
        }
    }

    /// Records what a handler decided. A retry past `maxAttempts` becomes a discard.
    public func record(_ outcome: JobOutcome, for job: Job, now: Date, on connection: PostgresConnection) throws {
        switch outcome {
        case .completed:
            try connection.query(
                "UPDATE jobs SET state = 'completed', finished_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $1",
                [job.id, now])
        case .retry(let at, let error) where job.attempts < job.maxAttempts:
            try connection.query(
                """
                UPDATE jobs SET state = 'retryable', run_at = $2, last_error = $3, locked_by = NULL, locked_until = NULL
                WHERE id = $1
                """, [job.id, at, error])
        case .retry(_, let error), .discard(let error):
            try connection.query(
                """
                UPDATE jobs SET state = 'discarded', finished_at = $2, last_error = $3, locked_by = NULL,
                                locked_until = NULL
                WHERE id = $1
                """, [job.id, now, error])
        }
    }
}
