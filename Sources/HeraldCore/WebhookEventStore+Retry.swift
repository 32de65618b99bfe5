import Foundation
import Messenger
import Postgres

extension WebhookEventStore {
    /// What "pending again" means, for one event and for many alike: a fresh budget of attempts,
    /// due now, no error. Ingest is idempotent, so a processed event may go through again.
    static let pendingAgain = "state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL"

    /// Candidates read per statement when a retry is limited to one page.
    static let candidatesPerRead = 1_000

    /// Marks one event pending again, whatever its state, and NOTIFYs the workers; the event as
    /// it is now, or nil when there is none with that id. Run it in a transaction: the
    /// notification is delivered when it commits.
    public func retry(id: Int64, on connection: PostgresConnection) throws -> WebhookEventResource? {
        guard
            let row = try connection.query(
                """
                UPDATE webhook_events SET \(Self.pendingAgain) WHERE id = $1
                RETURNING id, received_at, state, attempts, last_error, octet_length(body) AS size_bytes, body
                """, [id]
            ).singleRow()
        else { return nil }
        try connection.notify(channel: Self.notifyChannel)
        return try Self.detail(row).event
    }

    /// Marks every selected event pending again and NOTIFYs the workers when there was any;
    /// returns how many. Run it in a transaction, as `retry(id:)`.
    ///
    /// Without a page it is one UPDATE (the state's index, or `received_at`'s with `since`). With
    /// one, Postgres first keeps the bodies that contain the page id's bytes at all, and each of
    /// those is then read here by `WebhookEnvelope.pageIDs`, the rule the listing shows, so only
    /// events with an entry for that page are retried; bound the work with `since`.
    public func retry(_ selection: WebhookEventSelection, on connection: PostgresConnection) throws -> Int {
        let count: Int
        if let pageID = selection.pageID {
            count = try retry(selection, pageID: pageID, on: connection)
        } else {
            var parameters: [any PostgresEncodable] = [selection.stateArray]
            var since = ""
            if let date = selection.since {
                parameters.append(date)
                since = " AND received_at >= $2"
            }
            count = try connection.query(
                "UPDATE webhook_events SET \(Self.pendingAgain) WHERE state = ANY($1::text[])\(since)", parameters
            ).affectedRows
        }
        if count > 0 { try connection.notify(channel: Self.notifyChannel) }
        return count
    }

    /// The page-limited retry: candidates in id order, a thousand at a time, read and retried.
    private func retry(_ selection: WebhookEventSelection, pageID: String, on connection: PostgresConnection) throws
        -> Int
    {
        var parameters: [any PostgresEncodable] = [selection.stateArray, Array(pageID.utf8), Int64(0)]
        var since = ""
        if let date = selection.since {
            parameters.append(date)
            since = " AND received_at >= $4"
        }
        var retried = 0
        while true {
            let candidates = try connection.query(
                """
                SELECT id, octet_length(body) FROM webhook_events
                WHERE state = ANY($1::text[]) AND id > $3 AND position($2::bytea IN body) > 0\(since)
                ORDER BY id LIMIT \(Self.candidatesPerRead)
                """, parameters
            ).map { (id: try $0.decode(0, as: Int64.self), size: try $0.decode(1, as: Int.self)) }
            var matching: [Int64] = []
            try forEachBody(of: candidates, on: connection) { id, bytes in
                if WebhookEnvelope.pageIDs(in: bytes).contains(pageID) { matching.append(id) }
            }
            if !matching.isEmpty {
                retried += try connection.query(
                    "UPDATE webhook_events SET \(Self.pendingAgain) WHERE id = ANY($1::int8[]) AND state = ANY($2::text[])",
                    [PostgresArrayLiteral.int8(matching), selection.stateArray]
                ).affectedRows
            }
            guard candidates.count == Self.candidatesPerRead, let last = candidates.last else { return retried }
            parameters[2] = last.id
        }
    }
}
