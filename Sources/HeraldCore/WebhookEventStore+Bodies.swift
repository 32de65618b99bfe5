import Foundation
import Messenger
import Postgres

extension WebhookEventStore {
    /// Calls `body` with each event's stored bytes, reading them in statements of at most
    /// `bodyBytesPerRead` (by the sizes given; a larger body alone), so that memory holds one
    /// chunk of bodies however large the events are. `events` are ids with their `size_bytes`.
    func forEachBody(
        of events: [(id: Int64, size: Int)], on connection: PostgresConnection, _ body: (Int64, [UInt8]) throws -> Void
    ) throws {
        var chunk: [Int64] = []
        var chunkBytes = 0
        func read() throws {
            guard !chunk.isEmpty else { return }
            let rows = try connection.query(
                "SELECT id, body FROM webhook_events WHERE id = ANY($1::int8[])", [PostgresArrayLiteral.int8(chunk)])
            for row in rows { try body(try row.decode(0, as: Int64.self), try row.decode(1, as: [UInt8].self)) }
            chunk = []
            chunkBytes = 0
        }
        for event in events {
            if !chunk.isEmpty, chunkBytes + event.size > Self.bodyBytesPerRead { try read() }
            chunk.append(event.id)
            chunkBytes += event.size
        }
        try read()
    }

    /// The page ids of each event's body (`WebhookEnvelope.pageIDs`), by event id.
    func readPageIDs(of events: [(id: Int64, size: Int)], on connection: PostgresConnection) throws -> [Int64: [String]]
    {
        var pageIDs: [Int64: [String]] = [:]
        try forEachBody(of: events, on: connection) { id, bytes in pageIDs[id] = WebhookEnvelope.pageIDs(in: bytes) }
        return pageIDs
    }
}
