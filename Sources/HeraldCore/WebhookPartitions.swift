import Foundation
import Postgres

/// The day partitions of `webhook_events` (migration 0012): created ahead of the days they hold,
/// dropped whole once their day is past the retention. The maintenance service calls both every
/// minute; each call is cheap when there is nothing to do.
///
/// The retention rule (docs/operations.md, "Webhook retention"): a day partition goes when its
/// whole UTC day is older than `retention.period` and it holds only processed webhooks. A
/// pending or parked webhook is never lost: a day that still holds one keeps its partition, and
/// only its processed rows are deleted, row by row, until the rest has been processed (by
/// ingest, or by an operator's retry) and the partition can go. The legacy partition (the table
/// as it was before 0012) and the default partition are pruned row by row; the legacy one is
/// dropped once empty.
public struct WebhookPartitions: Sendable {
    /// How long processed webhooks are kept.
    public let retention: WebhookRetention
    /// UTC days, today included, that have a partition before their first webhook. Default: 3.
    public let daysAhead: Int
    /// How long a partition change waits for the table's lock before giving up until the next
    /// call. Dropping a partition locks the whole table (ACCESS EXCLUSIVE), so webhook inserts
    /// queue behind a waiting drop: at most this long. Default: 500 ms.
    public let lockTimeout: Duration

    /// What `dropExpired` did.
    public struct Pruned: Sendable, Equatable {
        /// Partitions dropped, oldest first.
        public var partitions: [String] = []
        /// Processed webhooks deleted row by row.
        public var rows = 0
        /// Expired partitions kept because they still hold pending or parked webhooks.
        public var kept: [String] = []

        public init(partitions: [String] = [], rows: Int = 0, kept: [String] = []) {
            self.partitions = partitions
            self.rows = rows
            self.kept = kept
        }
    }

    public init(
        retention: WebhookRetention = WebhookRetention(), daysAhead: Int = 3, lockTimeout: Duration = .milliseconds(500)
    ) {
        self.retention = retention
        self.daysAhead = daysAhead
        self.lockTimeout = lockTimeout
    }

    /// Creates the partitions of today (UTC) and the `daysAhead - 1` days after it that are
    /// missing, moving in any rows the default partition took for them; returns how many it created.
    @discardableResult
    public func createAhead(now: Date, on connection: PostgresConnection) throws -> Int {
        do {
            return try connection.transaction { connection in
                try setLockTimeout(connection)
                return try connection.query(
                    "SELECT webhook_events_create_partitions(($1::timestamptz AT TIME ZONE 'UTC')::date, $2::int4)",
                    [now, daysAhead])[0].decode(0, as: Int.self)
            }
        } catch let error as PostgresError where error.sqlState == .lockNotAvailable {
            return 0  // busy: the next call tries again; meanwhile the default partition takes the rows
        }
    }

    /// Drops the partitions past the retention that hold only processed webhooks, then prunes
    /// what is left past it row by row (`WebhookRetention.prune`).
    public func dropExpired(now: Date, on connection: PostgresConnection) throws -> Pruned {
        let cutoff = retention.cutoff(now: now)
        var pruned = Pruned()
        for partition in try partitions(on: connection) {
            let expired = partition.end.map { $0 <= cutoff } ?? false
            guard expired || partition.name == Self.legacy else { continue }
            switch try drop(partition.name, ifEmpty: !expired, on: connection) {
            case .dropped: pruned.partitions.append(partition.name)
            case .holdsUnprocessed: if expired { pruned.kept.append(partition.name) }
            case .busy: break
            }
        }
        pruned.rows = try retention.prune(now: now, on: connection)
        return pruned
    }

    static let legacy = "webhook_events_legacy"

    /// The day partitions with the end of their day, and the legacy one (no end).
    func partitions(on connection: PostgresConnection) throws -> [(name: String, end: Date?)] {
        try connection.query(
            """
            SELECT c.relname,
                   (to_date(substring(c.relname FROM '^webhook_events_([0-9]{8})$'), 'YYYYMMDD') + 1)::timestamp
                       AT TIME ZONE 'UTC' AS day_end
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'webhook_events'::regclass
              AND (c.relname ~ '^webhook_events_[0-9]{8}$' OR c.relname = $1)
            ORDER BY day_end NULLS FIRST
            """, [Self.legacy]
        ).map { (try $0.decode(0, as: String.self), try $0.decode(1, as: Date?.self)) }
    }

    enum DropResult { case dropped, holdsUnprocessed, busy }

    /// Drops one partition unless it holds a pending or parked webhook (or, with `ifEmpty`, any
    /// row), checked under the lock the drop takes, so a retry cannot slip in between. The
    /// partial indexes answer the check without reading processed rows.
    private func drop(_ name: String, ifEmpty: Bool, on connection: PostgresConnection) throws -> DropResult {
        let table = "\"\(name)\""
        let blocking =
            ifEmpty
            ? "SELECT EXISTS (SELECT 1 FROM \(table))"
            : """
            SELECT EXISTS (SELECT 1 FROM \(table) WHERE state = 'pending')
                OR EXISTS (SELECT 1 FROM \(table) WHERE state = 'parked')
            """
        // Cheap first look without the lock: most minutes there is nothing to drop.
        if try connection.query(blocking)[0].decode(0, as: Bool.self) { return .holdsUnprocessed }
        do {
            return try connection.transaction { connection in
                try setLockTimeout(connection)
                try connection.execute(script: "LOCK TABLE webhook_events, \(table) IN ACCESS EXCLUSIVE MODE")
                if try connection.query(blocking)[0].decode(0, as: Bool.self) { return .holdsUnprocessed }
                try connection.execute(script: "DROP TABLE \(table)")
                return .dropped
            }
        } catch let error as PostgresError where error.sqlState == .lockNotAvailable {
            return .busy
        }
    }

    private func setLockTimeout(_ connection: PostgresConnection) throws {
        let milliseconds =
            lockTimeout.components.seconds * 1_000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
        try connection.execute(script: "SET LOCAL lock_timeout = \(max(milliseconds, 1))")
    }
}
