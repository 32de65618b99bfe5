import Foundation
import Messenger
import Postgres

/// Stored webhooks for operators: list them by state, read one with its body, and mark them
/// pending again (`WebhookEventStore+Retry.swift`). The SQL behind `/admin/webhook-events` and
/// `herald replay`; neither the gateway nor the CLI writes any of its own.
///
/// `webhook_events` holds millions of processed rows and few pending or parked ones, so each
/// listing walks an index newest first and stops after a page: parked ones through
/// `webhook_events_parked` (migration 0009), processed ones (and all states) backwards through
/// the primary key, pending ones through the claim's `webhook_events_pending` (the pending set is
/// read whole and sorted, which stays small while workers keep up).
public struct WebhookEventStore: Sendable {
    /// The channel workers LISTEN on for new or retried webhooks (the gateway's batcher uses it too).
    public static let notifyChannel = "herald_webhook_events"

    /// Bodies read per statement, at most (a larger single body is read alone), so that listing a
    /// page of 4 MiB dead letters never holds them all in memory at once.
    static let bodyBytesPerRead = 8 << 20

    public init() {}

    /// The newest events (in `state`, or any state when nil) with an id below `paging.before`,
    /// newest first, at most `paging.limit`.
    public func list(state: WebhookEventState?, paging: Paging, on connection: PostgresConnection) throws
        -> WebhookEventPage
    {
        let query = Self.listQuery(state: state, paging: paging)
        let rows = try connection.query(query.sql, query.parameters)
        var events = try rows.prefix(paging.limit).map { row in
            WebhookEventResource(
                id: try row.decode("id", as: Int64.self), receivedAt: try row.decode("received_at", as: Date.self),
                state: WebhookEventState(rawValue: try row.decode("state", as: String.self)) ?? .pending,
                attempts: try row.decode("attempts", as: Int.self),
                lastError: try row.decode("last_error", as: String?.self),
                pageIDs: [], sizeBytes: try row.decode("size_bytes", as: Int.self))
        }
        let pageIDs = try readPageIDs(of: events.map { ($0.id, $0.sizeBytes) }, on: connection)
        for index in events.indices { events[index].pageIDs = pageIDs[events[index].id] ?? [] }
        return WebhookEventPage(events: events, nextBefore: rows.count > paging.limit ? events.last?.id : nil)
    }

    /// The statement `list` runs and its parameters (one row more than the page, to tell whether
    /// older ones exist). Public so tests and docs can `EXPLAIN` exactly it.
    public static func listQuery(state: WebhookEventState?, paging: Paging) -> (
        sql: String, parameters: [any PostgresEncodable]
    ) {
        var conditions: [String] = []
        var parameters: [any PostgresEncodable] = [paging.limit + 1]
        if let state {
            parameters.append(state.rawValue)
            conditions.append("state = $\(parameters.count)")
        }
        if let before = paging.before {
            parameters.append(before)
            conditions.append("id < $\(parameters.count)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return (
            """
            SELECT id, received_at, state, attempts, last_error, octet_length(body) AS size_bytes
            FROM webhook_events \(filter)
            ORDER BY id DESC LIMIT $1
            """,
            parameters
        )
    }

    /// One event with its body, or nil when there is none with that id.
    public func event(id: Int64, on connection: PostgresConnection) throws -> WebhookEventDetail? {
        guard
            let row = try connection.query(
                """
                SELECT id, received_at, state, attempts, last_error, octet_length(body) AS size_bytes, body
                FROM webhook_events WHERE id = $1
                """, [id]
            ).singleRow()
        else { return nil }
        return try Self.detail(row)
    }

    /// A row with the columns of `event(id:)` as a resource and its body.
    static func detail(_ row: PostgresRow) throws -> WebhookEventDetail {
        let body = try row.decode("body", as: [UInt8].self)
        let event = WebhookEventResource(
            id: try row.decode("id", as: Int64.self), receivedAt: try row.decode("received_at", as: Date.self),
            state: WebhookEventState(rawValue: try row.decode("state", as: String.self)) ?? .pending,
            attempts: try row.decode("attempts", as: Int.self),
            lastError: try row.decode("last_error", as: String?.self),
            pageIDs: WebhookEnvelope.pageIDs(in: body), sizeBytes: try row.decode("size_bytes", as: Int.self))
        return WebhookEventDetail(event: event, body: WebhookEventBody(body))
    }
}
