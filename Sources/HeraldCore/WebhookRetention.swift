import Foundation
import Postgres

/// docs/design.md: stored webhooks are "kept for replay; pruned after a retention period". Processed
/// bodies older than the retention go; pending ones (not applied yet) and parked ones (waiting
/// for someone to look and replay) are never pruned.
public struct WebhookRetention: Sendable {
    /// How long processed webhooks are kept (`HERALD_WEBHOOK_RETENTION_DAYS`). Default: 30 days.
    public let period: TimeInterval

    public init(period: TimeInterval = 30 * 86_400) {
        self.period = period
    }

    /// Deletes up to `limit` processed webhooks received before `now - period`, oldest first,
    /// `batchSize` per statement (each its own commit). Returns how many went.
    @discardableResult
    public func prune(now: Date, limit: Int = 100_000, batchSize: Int = 5_000, on connection: PostgresConnection) throws
        -> Int
    {
        let cutoff = now.addingTimeInterval(-period)
        var deleted = 0
        while deleted < limit {
            let batch = min(max(batchSize, 1), limit - deleted)
            let count = try connection.query(
                """
                WITH doomed AS MATERIALIZED (
                    SELECT id FROM webhook_events
                    WHERE received_at < $1 AND state = 'processed'
                    ORDER BY received_at LIMIT $2
                    FOR UPDATE SKIP LOCKED)
                DELETE FROM webhook_events USING doomed WHERE webhook_events.id = doomed.id
                """, [cutoff, batch]
            ).affectedRows
            deleted += count
            if count < batch { break }
        }
        return deleted
    }
}
