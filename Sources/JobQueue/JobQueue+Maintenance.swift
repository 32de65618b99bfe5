import Foundation
import Postgres

extension JobQueue {
    /// Deletes up to `limit` completed and discarded jobs that finished before `finishedBefore`,
    /// oldest first, `batchSize` rows per statement so no statement holds many row locks or
    /// writes a large WAL burst (each batch commits on its own unless the caller opened a
    /// transaction). Returns how many were deleted; call again while it returns `limit`.
    @discardableResult
    public func prune(
        finishedBefore: Date, limit: Int, batchSize: Int = 1000, on connection: PostgresConnection
    ) throws -> Int {
        var deleted = 0
        while deleted < limit {
            let batch = min(max(batchSize, 1), limit - deleted)
            let count = try connection.query(
                """
                WITH doomed AS MATERIALIZED (
                    SELECT id FROM jobs
                    WHERE state IN ('completed', 'discarded') AND finished_at < $1
                    ORDER BY finished_at LIMIT $2
                    FOR UPDATE SKIP LOCKED)
                DELETE FROM jobs USING doomed WHERE jobs.id = doomed.id
                """, [finishedBefore, batch]
            ).affectedRows
            deleted += count
            if count < batch { break }
        }
        return deleted
    }

    /// Counts by kind and state, and how long due jobs have waited, for `/metrics` and benchmarks.
    ///
    /// One pass over the table (pruning keeps it bounded); `includeFinished: false` counts only
    /// live jobs, through the partial indexes. The filter names each index's predicate as it is
    /// written (`jobs_ready`'s two states OR `jobs_running_lease`'s one): Postgres then combines
    /// the two index scans (BitmapOr), where one list of all three states implies neither
    /// predicate and reads the whole table (122 ms against 36 ms on a million jobs of which
    /// 102,000 live, in `scripts/bench-status`'s data set).
    public func stats(now: Date, includeFinished: Bool = true, on connection: PostgresConnection) throws
        -> JobQueueStats
    {
        let filter = includeFinished ? "" : "WHERE state IN ('available', 'retryable') OR state = 'running'"
        let rows = try connection.query(
            """
            SELECT kind, state, count(*),
                   min(run_at) FILTER (WHERE state IN ('available', 'retryable') AND run_at <= $1),
                   count(*) FILTER (WHERE state = 'running' AND locked_until < $1)
            FROM jobs \(filter)
            GROUP BY kind, state
            """, [now])
        var stats = JobQueueStats()
        for row in rows {
            let kind = JobKind(try row.decode(0, as: String.self))
            guard let state = JobState(rawValue: try row.decode(1, as: String.self)) else { continue }
            stats.counts[kind, default: [:]][state] = try row.decode(2, as: Int.self)
            if let oldestDue = try row.decode(3, as: Date?.self) {
                let lag = Duration.seconds(max(now.timeIntervalSince(oldestDue), 0))
                stats.dueLag[kind] = max(stats.dueLag[kind] ?? .zero, lag)
            }
            stats.expiredLeases += try row.decode(4, as: Int.self)
        }
        return stats
    }
}

/// A snapshot of the `jobs` table for metrics (`JobQueue.stats`).
public struct JobQueueStats: Sendable, Equatable {
    /// Rows per kind and state; states without rows are absent.
    public var counts: [JobKind: [JobState: Int]] = [:]
    /// Per kind, how long its oldest due job (available or retryable, `run_at` passed) has waited;
    /// kinds with nothing due are absent.
    public var dueLag: [JobKind: Duration] = [:]
    /// Running jobs whose lease has passed: their workers died or stalled; rescue will take them.
    public var expiredLeases = 0

    public init() {}

    /// Rows in `state`, of one kind or of all.
    public func count(_ state: JobState, kind: JobKind? = nil) -> Int {
        if let kind { return counts[kind]?[state] ?? 0 }
        return counts.values.reduce(0) { $0 + ($1[state] ?? 0) }
    }

    /// How long the oldest due job of any kind has waited; zero when nothing is due.
    public var oldestDueLag: Duration { dueLag.values.max() ?? .zero }
}

extension JobQueue {
    /// Deletes every job of `kind`, whatever its state (benchmarks clearing their own jobs).
    public func delete(kind: JobKind, on connection: PostgresConnection) throws {
        try connection.query("DELETE FROM jobs WHERE kind = $1", [kind.rawValue])
    }

    /// Whether any job of `kind` is still to run or running.
    public func hasLiveJobs(kind: JobKind, on connection: PostgresConnection) throws -> Bool {
        try connection.query(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND state IN ('available', 'retryable', 'running'))",
            [kind.rawValue]
        )[0].decode(0, as: Bool.self)
    }
}
