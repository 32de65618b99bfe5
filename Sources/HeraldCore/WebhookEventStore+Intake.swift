import Foundation
import Postgres

extension WebhookEventStore {
    /// Stores verified webhook bodies exactly as received and announces them on `channel`, in one
    /// statement: one implicit transaction, one commit; the rows and the NOTIFY (delivered at
    /// commit) succeed or fail together. The gateway's batch writers call it with a batch of
    /// concurrent requests (group commit). Its text is the same for every batch size, so each
    /// connection prepares it once.
    public func insert(
        bodies: [[UInt8]], notifying channel: String = Self.notifyChannel, on connection: PostgresConnection
    ) throws(PostgresError) {
        try connection.query(
            prepared: "herald_webhook_insert",
            """
            WITH inserted AS (INSERT INTO webhook_events (body) SELECT unnest($1::bytea[]) RETURNING id)
            SELECT pg_notify($2, count(*)::text) FROM inserted
            """, [PostgresByteaArray(bodies), channel])
    }

    /// The ingest backlog: pending events and when the oldest arrived (the claim's
    /// `webhook_events_pending` index serves it).
    public func pendingBacklog(on connection: PostgresConnection) throws -> (count: Int, oldest: Date?) {
        let row = try connection.query(
            "SELECT count(*), min(received_at) FROM webhook_events WHERE state = \(WebhookEventState.pending.sql)")[0]
        return (try row.decode(0, as: Int.self), try row.decode(1, as: Date?.self))
    }
}
