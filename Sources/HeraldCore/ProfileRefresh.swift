import Foundation
import JobQueue
import Postgres

/// When customers' profiles are fetched: the `fetch_profile` jobs (unique per customer), enqueued
/// on first sight, on activity once a profile is stale, and when a page is (re)connected
/// (docs/design.md, "Customer profiles"). The job itself is `ProfileFetch`.
///
/// Only customers of a connected page with a valid token get a job: without a token there is
/// nothing to call Graph with, and connecting the page schedules them then.
public struct ProfileRefresh: Sendable {
    public static let kind = JobKind("fetch_profile")

    /// Profile calls a (re)connected page's backlog is spread at: 10 a second per page, so a page
    /// with 50,000 customers without a profile is worked through in about 83 minutes, and stays
    /// far below Graph's page rate limits (its sends share them).
    public static let connectPacePerSecond = 10.0

    public let jobQueue: JobQueue
    /// `HERALD_PROFILE_REFRESH_DAYS` in seconds: a profile older than this is fetched again on the
    /// customer's next activity (a `profile_pic` URL expires after some days). Default: 7 days.
    public let refreshAfter: TimeInterval
    /// `HERALD_MAX_ATTEMPTS`: tries of one job while Graph fails transiently. Default: 8.
    public let maxAttempts: Int

    public init(jobQueue: JobQueue = JobQueue(), refreshAfter: TimeInterval = 7 * 86_400, maxAttempts: Int = 8) {
        self.jobQueue = jobQueue
        self.refreshAfter = refreshAfter
        self.maxAttempts = maxAttempts
    }

    /// The job's unique key: one live job per customer.
    static func uniqueKey(pageID: String, psid: String) -> String { "\(pageID):\(psid)" }

    /// Inside an ingest batch's transaction, for the customers it touched: one statement enqueues
    /// a job, due now, for each whose page is connected and whose profile was never fetched or is
    /// older than `refreshAfter`. A customer whose job already waits keeps it, moved up to now when
    /// it was paced behind a page's backlog and never tried: an active customer goes first.
    /// Ingest never waits for Graph: the job runs later, elsewhere. Returns the jobs added or moved.
    @discardableResult
    public func schedule(customers: [(pageID: String, psid: String)], now: Date, on connection: PostgresConnection)
        throws
        -> Int
    {
        guard !customers.isEmpty else { return 0 }
        let rows = try connection.query(
            """
            INSERT INTO jobs (kind, payload, run_at, max_attempts, unique_key)
            SELECT $3, jsonb_build_object('page_id', c.page_id, 'psid', c.psid), $4, $5, c.page_id || ':' || c.psid
            FROM (SELECT DISTINCT page_id, psid FROM unnest($1::text[], $2::text[]) AS t(page_id, psid)) t
            JOIN customers c ON c.page_id = t.page_id AND c.psid = t.psid
            JOIN pages p ON p.id = c.page_id AND p.access_token IS NOT NULL AND p.token_status = 'valid'
            WHERE c.profile_fetched_at IS NULL OR c.profile_fetched_at < $4 - $6 * interval '1 second'
            ORDER BY c.page_id, c.psid
            ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'retryable', 'running')
            DO UPDATE SET run_at = EXCLUDED.run_at
                WHERE jobs.state = 'available' AND jobs.attempts = 0 AND jobs.run_at > EXCLUDED.run_at
            """,
            [
                PostgresArrayLiteral.text(customers.map(\.pageID)), PostgresArrayLiteral.text(customers.map(\.psid)),
                Self.kind.rawValue, now, maxAttempts, refreshAfter,
            ])
        if rows.affectedRows > 0 { try connection.notify(channel: jobQueue.notifyChannel) }
        return rows.affectedRows
    }

    /// Inside a page's connect transaction: a job for each of its customers without a fetched
    /// profile, most recently active first, spread `1 / connectPacePerSecond` apart. Customers
    /// whose job already waits keep it. Returns the jobs added.
    @discardableResult
    public func scheduleConnectedPage(_ pageID: String, now: Date, on connection: PostgresConnection) throws -> Int {
        let rows = try connection.query(
            """
            INSERT INTO jobs (kind, payload, run_at, max_attempts, unique_key)
            SELECT $2, jsonb_build_object('page_id', c.page_id, 'psid', c.psid),
                   $3::timestamptz + (row_number() OVER (ORDER BY c.last_active_at DESC NULLS LAST, c.psid) - 1)
                                     * ($4 * interval '1 second'),
                   $5, c.page_id || ':' || c.psid
            FROM customers c
            WHERE c.page_id = $1 AND c.profile_status <> \(ProfileStatus.fetched.sql)
            ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'retryable', 'running')
            DO NOTHING
            """, [pageID, Self.kind.rawValue, now, 1 / Self.connectPacePerSecond, maxAttempts])
        if rows.affectedRows > 0 { try connection.notify(channel: jobQueue.notifyChannel) }
        return rows.affectedRows
    }
}
