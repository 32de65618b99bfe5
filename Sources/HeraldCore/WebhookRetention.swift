import Foundation
import Postgres

/// docs/design.md: stored webhooks are "kept for replay; pruned after a retention period". Processed
/// bodies older than the retention go; pending ones (not applied yet) and parked ones (waiting
/// for someone to look and replay) are never pruned.
///
/// Retention counts whole UTC days, the unit `webhook_events` is partitioned by (migration 0012):
/// a webhook goes once the whole day it arrived on is older than the period, so it is kept
/// between `period` and `period` + 1 day. Whole days go by dropping their partition
/// (`WebhookPartitions.dropExpired`); `prune` deletes the rest row by row.
public struct WebhookRetention: Sendable {
    /// How long processed webhooks are kept (`HERALD_WEBHOOK_RETENTION_DAYS`). Default: 30 days.
    public let period: TimeInterval

    public init(period: TimeInterval = 30 * 86_400) {
        self.period = period
    }

    /// Webhooks received before this instant are past their retention: the UTC midnight that
    /// starts the day of `now - period`.
    public func cutoff(now: Date) -> Date {
        let expired = now.addingTimeInterval(-period).timeIntervalSince1970
        return Date(timeIntervalSince1970: (expired / 86_400).rounded(.down) * 86_400)
    }

    /// Deletes up to `limit` processed webhooks received before `cutoff(now:)`, `batchSize` per
    /// statement (each its own commit), and returns how many went. With partitions this finds only
    /// what a partition drop cannot take: rows of the legacy and default partitions, and processed
    /// rows of an expired day that still holds pending or parked ones. The primary key (id,
    /// received_at) finds each doomed row in its own partition.
    @discardableResult
    public func prune(now: Date, limit: Int = 100_000, batchSize: Int = 5_000, on connection: PostgresConnection) throws
        -> Int
    {
        let cutoff = cutoff(now: now)
        var deleted = 0
        while deleted < limit {
            let batch = min(max(batchSize, 1), limit - deleted)
            let count = try connection.query(
                """
                WITH doomed AS MATERIALIZED (
                    SELECT id, received_at FROM webhook_events
                    WHERE received_at < $1 AND state = 'processed'
                    LIMIT $2
                    FOR UPDATE SKIP LOCKED)
                DELETE FROM webhook_events e USING doomed
                WHERE e.id = doomed.id AND e.received_at = doomed.received_at
                """, [cutoff, batch]
            ).affectedRows
            deleted += count
            if count < batch { break }
        }
        return deleted
    }
}
