import Foundation
import Postgres

extension JobQueue {
    /// Completes the live job of `kind` with `uniqueKey` that no worker holds (`available` or
    /// `retryable`) without running it: what it stood for was done elsewhere, e.g. by the caller
    /// itself before the job was due. A running one is left alone. Returns whether one was found.
    @discardableResult
    public func completeUnclaimed(kind: JobKind, uniqueKey: String, now: Date, on connection: PostgresConnection) throws
        -> Bool
    {
        let rows = try connection.query(
            """
            UPDATE jobs SET state = 'completed', finished_at = $3
            WHERE kind = $1 AND unique_key = $2 AND state IN ('available', 'retryable')
            """, [kind.rawValue, uniqueKey, now])
        JobMetrics.count(.completed, Array(repeating: kind, count: rows.affectedRows))
        return rows.affectedRows > 0
    }

    /// Moves the live job of `kind` with `uniqueKey` that no worker holds to `runAt`, earlier or
    /// later, noting `error` as its last error. A running one is left alone. Returns whether one
    /// was found.
    @discardableResult
    public func rescheduleUnclaimed(
        kind: JobKind, uniqueKey: String, runAt: Date, error: String? = nil, on connection: PostgresConnection
    ) throws -> Bool {
        try connection.query(
            """
            UPDATE jobs SET run_at = $3, last_error = COALESCE($4, last_error)
            WHERE kind = $1 AND unique_key = $2 AND state IN ('available', 'retryable')
            """, [kind.rawValue, uniqueKey, runAt, error]
        ).affectedRows > 0
    }
}
