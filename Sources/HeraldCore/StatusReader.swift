import Foundation
import JobQueue
import Postgres

/// Reads a `StatusReport` in one read-only, repeatable-read transaction, so every figure comes
/// from the same snapshot and the check can run against a primary under load without writing.
///
/// It must stay fast on a large database (docs/benchmarks.md, "herald status": 10 million
/// webhooks, 1 million jobs), so it only reads small sets through partial indexes: pending
/// webhooks (`webhook_events_pending`), parked ones (`webhook_events_parked`), live jobs
/// (`jobs_ready`, `jobs_running_lease`, through `JobQueue.stats`), failures of the last hour
/// (`messages_failed_at`); `pages` and `blocked_urls` are small tables. The processed webhooks are
/// the one large count, and it is an estimate from `pg_class`, summed over the partitions.
public struct StatusReader: Sendable {
    /// Job kinds listed even when they have no live job, so the report's shape is stable.
    public static let knownKinds = [OutboundStore.sendKind, IngestStore.inactivityCheck, PageSubscription.kind]

    /// Longest a statement may take before the check gives up rather than hang.
    public var statementTimeoutMilliseconds: Int
    private let jobQueue: JobQueue

    public init(statementTimeoutMilliseconds: Int = 10_000, jobQueue: JobQueue = JobQueue()) {
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.jobQueue = jobQueue
    }

    public func read(on connection: PostgresConnection) throws -> StatusReport {
        try connection.execute(script: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            try connection.execute(script: "SET LOCAL statement_timeout = \(max(statementTimeoutMilliseconds, 1))")
            let report = try snapshot(connection)
            try connection.execute(script: "COMMIT")
            return report
        } catch {
            try? connection.execute(script: "ROLLBACK")
            throw error
        }
    }

    private func snapshot(_ connection: PostgresConnection) throws -> StatusReport {
        let now = try connection.query("SELECT now()")[0].decode(0, as: Date.self)
        return StatusReport(
            checkedAt: now, webhooks: try webhooks(connection), jobs: try jobs(now: now, connection),
            pages: try pages(connection), blockedURLs: try blockedURLs(connection),
            failedLastHour: try failures(connection))
    }

    private func webhooks(_ connection: PostgresConnection) throws -> StatusReport.Webhooks {
        let row = try connection.query(
            """
            SELECT (SELECT count(*) FROM webhook_events WHERE state = 'pending'),
                   (SELECT count(*) FROM webhook_events WHERE state = 'parked'),
                   (SELECT floor(extract(epoch FROM now() - min(next_attempt_at)))::int8 FROM webhook_events
                     WHERE state = 'pending' AND next_attempt_at <= now()),
                   (SELECT sum(CASE WHEN c.reltuples < 0 THEN NULL
                                    WHEN c.relpages = 0 THEN c.reltuples::float8
                                    ELSE c.reltuples::float8 / c.relpages::float8
                                         * (pg_relation_size(c.oid) / current_setting('block_size')::float8) END)
                      FROM pg_partition_tree('webhook_events') t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf)
            """)[0]
        let pending = try row.decode(0, as: Int.self)
        let parked = try row.decode(1, as: Int.self)
        let total = try row.decode(3, as: Double?.self)
        return StatusReport.Webhooks(
            pending: pending, parked: parked, oldestPendingAgeSeconds: try row.decode(2, as: Int?.self),
            processedEstimate: total.map { max(Int($0.rounded()) - pending - parked, 0) })
    }

    private func jobs(now: Date, _ connection: PostgresConnection) throws -> [String: StatusReport.Jobs] {
        let stats = try jobQueue.stats(now: now, includeFinished: false, on: connection)
        var jobs: [String: StatusReport.Jobs] = [:]
        for kind in Set(Self.knownKinds).union(stats.counts.keys) {
            jobs[kind.rawValue] = StatusReport.Jobs(
                available: stats.count(.available, kind: kind), running: stats.count(.running, kind: kind),
                retryable: stats.count(.retryable, kind: kind),
                oldestAvailableAgeSeconds: stats.dueLag[kind].map { Int($0.components.seconds) })
        }
        return jobs
    }

    private func pages(_ connection: PostgresConnection) throws -> StatusReport.Pages {
        let row = try connection.query(
            """
            SELECT count(*) FILTER (WHERE access_token IS NOT NULL AND token_status = 'valid'),
                   count(*) FILTER (WHERE access_token IS NOT NULL AND token_status = 'expired'),
                   count(*) FILTER (WHERE access_token IS NULL)
            FROM pages
            """)[0]
        return StatusReport.Pages(
            connected: try row.decode(0, as: Int.self), expired: try row.decode(1, as: Int.self),
            notConnected: try row.decode(2, as: Int.self))
    }

    private func blockedURLs(_ connection: PostgresConnection) throws -> StatusReport.BlockedURLCounts {
        let row = try connection.query(
            "SELECT count(*) FILTER (WHERE released_at IS NULL), count(*) FILTER (WHERE released_at IS NOT NULL) FROM blocked_urls"
        )[0]
        return StatusReport.BlockedURLCounts(
            blocked: try row.decode(0, as: Int.self), released: try row.decode(1, as: Int.self))
    }

    private func failures(_ connection: PostgresConnection) throws -> [String: Int] {
        var failed: [String: Int] = [:]
        for row in try connection.query(
            """
            SELECT failure_reason, count(*) FROM messages
            WHERE failure_reason IS NOT NULL AND failed_at > now() - interval '1 hour'
            GROUP BY failure_reason
            """)
        {
            failed[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self)
        }
        return failed
    }
}
