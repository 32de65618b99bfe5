import Foundation
import Postgres

/// The log of changes supporters see (`changes`, filled by triggers; see sql/0003_change_log.sql)
/// turned into stream events carrying the current resource, as the `/v1` reads shape it.
public struct ChangeLog: Sendable {
    /// The NOTIFY channel the triggers announce new rows on.
    public static let channel = "herald_changes"
    /// Rows kept for clients resuming with Last-Event-ID.
    public static let retainedRows: Int64 = 100_000

    let store = ReadStore()

    public init() {}

    /// One row of the log.
    public struct Change: Sendable, Hashable {
        public var id: Int64
        public var kind: String
        public var pageID: String
        public var psid: String
        public var subjectID: Int64?
    }

    /// A change ready to stream: SSE `id:`, `event:` and the JSON `data:`.
    public struct Event: Sendable, Hashable {
        public var id: Int64
        public var name: String
        public var pageID: String
        public var data: [UInt8]
    }

    /// The newest id. For an empty log (all rows pruned or truncated), the last id handed out,
    /// so a stream starting then does not wait for ids that will never appear.
    public func newestID(on connection: PostgresConnection) throws -> Int64 {
        try connection.query(
            """
            SELECT COALESCE((SELECT max(id) FROM changes),
                            (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM changes_id_seq))
            """)[0].decode(0, as: Int64.self)
    }

    /// The oldest id still kept, or nil for an empty log.
    public func oldestID(on connection: PostgresConnection) throws -> Int64? {
        try connection.query("SELECT min(id) FROM changes")[0].decode(0, as: Int64?.self)
    }

    /// Rows after `id`, in id order, at most `limit`; `through` caps the ids read.
    public func changes(after id: Int64, through last: Int64? = nil, limit: Int, on connection: PostgresConnection)
        throws
        -> [Change]
    {
        try connection.query(
            """
            SELECT id, kind, page_id, psid, subject_id FROM changes
            WHERE id > $1 AND ($2::bigint IS NULL OR id <= $2) ORDER BY id LIMIT $3
            """, [id, last, limit]
        ).map { row in
            Change(
                id: try row.decode(0, as: Int64.self), kind: try row.decode(1, as: String.self),
                pageID: try row.decode(2, as: String.self), psid: try row.decode(3, as: String.self),
                subjectID: try row.decode(4, as: Int64?.self))
        }
    }

    /// The event for `change`, with its subject as it is now; nil when the subject is gone.
    public func event(for change: Change, now: Date, on connection: PostgresConnection) throws -> Event? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch change.kind {
        case "message.created", "message.status":
            data = try change.subjectID.flatMap { try store.message(id: $0, now: now, on: connection) }.map(
                encoder.encode)
        case "notification.raised", "notification.cleared":
            data = try change.subjectID.flatMap { try store.notification(id: $0, on: connection) }.map(encoder.encode)
        case "customer.updated":
            data = try store.customer(pageID: change.pageID, psid: change.psid, now: now, on: connection).map(
                encoder.encode)
        default:
            data = nil
        }
        guard let data else { return nil }
        return Event(id: change.id, name: change.kind, pageID: change.pageID, data: Array(data))
    }

    /// The events for `changes`, in their order, built together: the messages they name are read
    /// in two queries for the whole batch. Changes whose subject is gone are left out.
    public func events(for changes: [Change], now: Date, on connection: PostgresConnection) throws -> [Event] {
        let messageIDs = changes.filter { $0.kind.hasPrefix("message.") }.compactMap(\.subjectID)
        let messages = try store.messages(ids: Array(Set(messageIDs)), now: now, on: connection)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var events: [Event] = []
        for change in changes {
            if change.kind.hasPrefix("message.") {
                guard let message = change.subjectID.flatMap({ messages[$0] }) else { continue }
                events.append(
                    Event(
                        id: change.id, name: change.kind, pageID: change.pageID,
                        data: Array(try encoder.encode(message))))
            } else if let event = try event(for: change, now: now, on: connection) {
                events.append(event)
            }
        }
        return events
    }

    /// Drops all but the newest `keep` rows; returns how many went.
    @discardableResult
    public func prune(keep: Int64 = ChangeLog.retainedRows, on connection: PostgresConnection) throws -> Int {
        try connection.query(
            "DELETE FROM changes WHERE id <= (SELECT max(id) FROM changes) - $1", [keep]
        ).affectedRows
    }
}
