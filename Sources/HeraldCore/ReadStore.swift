import Foundation
import Postgres

/// A page request over id-ordered rows: at most `limit` rows with ids below `before`.
public struct Paging: Sendable, Hashable {
    public static let defaultLimit = 50
    public static let maxLimit = 200

    public var limit: Int
    public var before: Int64?

    /// Nil when `limit` is outside 1...`maxLimit` or `before` is not a positive id.
    public init?(limit: Int = Paging.defaultLimit, before: Int64? = nil) {
        guard (1...Self.maxLimit).contains(limit), before.map({ $0 > 0 }) ?? true else { return nil }
        self.limit = limit
        self.before = before
    }
}

/// The read side of `/v1`: customers, conversations, messages and notifications as resources.
///
/// Each call runs on the connection it is given (from `PostgresPool.withConnection`, so on that
/// connection's own queue) with `$n` parameters only. Rules (display status, resend, the 24-hour
/// window) come from their pure types; this only gathers the facts they need.
public struct ReadStore: Sendable {
    public init() {}

    /// A customer, or nil when the page has no such customer.
    public func customer(pageID: String, psid: String, now: Date, on connection: PostgresConnection) throws
        -> CustomerResource?
    {
        let rows = try connection.query(
            "SELECT \(CustomerResource.columns) FROM customers c WHERE c.page_id = $1 AND c.psid = $2", [pageID, psid])
        return try rows.singleRow().map { try CustomerResource(row: $0, pageID: pageID, now: now) }
    }

    /// A page of the conversation with a customer, oldest first: the newest `paging.limit`
    /// messages below `paging.before`. Nil when neither the customer nor any message is known.
    public func conversation(
        pageID: String, psid: String, paging: Paging, now: Date, on connection: PostgresConnection
    ) throws -> MessagePage? {
        let known = try connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM customers WHERE page_id = $1 AND psid = $2)
                OR EXISTS (SELECT 1 FROM messages WHERE page_id = $1 AND psid = $2)
            """, [pageID, psid])
        guard try known.singleRow()?.decode(0, as: Bool.self) == true else { return nil }
        // One row more than asked tells whether older messages exist without a count.
        let rows = try connection.query(
            Self.messageSelect(
                from: """
                    (SELECT * FROM messages
                     WHERE page_id = $1 AND psid = $2 AND ($3::bigint IS NULL OR id < $3)
                     ORDER BY id DESC LIMIT $4) m
                    """) + " ORDER BY m.id",
            [pageID, psid, paging.before, paging.limit + 1])
        let hasOlder = rows.count > paging.limit
        let latest = try latestSuccessfulID(pageID: pageID, psid: psid, on: connection)
        let messages = try rows.dropFirst(hasOlder ? 1 : 0).map {
            try Self.message($0, latestSuccessful: latest, now: now)
        }
        return MessagePage(messages: messages, nextBefore: hasOlder ? messages.first?.id : nil)
    }

    /// One message by id, or nil.
    public func message(id: Int64, now: Date, on connection: PostgresConnection) throws -> MessageResource? {
        guard
            let row = try connection.query(Self.messageSelect(from: "messages m") + " WHERE m.id = $1", [id])
                .singleRow()
        else { return nil }
        let latest = try latestSuccessfulID(
            pageID: try row.decode("page_id", as: String.self), psid: try row.decode("psid", as: String.self),
            on: connection)
        return try Self.message(row, latestSuccessful: latest, now: now)
    }

    /// Active notifications, newest (highest id) first, optionally of one page.
    public func activeNotifications(pageID: String?, paging: Paging, on connection: PostgresConnection) throws
        -> NotificationPage
    {
        let rows = try connection.query(
            """
            SELECT id, kind, page_id, psid, raised_at FROM notifications
            WHERE cleared_at IS NULL AND ($1::text IS NULL OR page_id = $1) AND ($2::bigint IS NULL OR id < $2)
            ORDER BY id DESC LIMIT $3
            """, [pageID, paging.before, paging.limit + 1])
        let notifications = try rows.prefix(paging.limit).map { row in
            NotificationResource(
                id: try row.decode("id", as: Int64.self), kind: try row.decode("kind", as: String.self),
                pageID: try row.decode("page_id", as: String.self), psid: try row.decode("psid", as: String.self),
                raisedAt: try row.decode("raised_at", as: Date.self))
        }
        return NotificationPage(
            notifications: notifications, nextBefore: rows.count > paging.limit ? notifications.last?.id : nil)
    }

    /// The conversation's latest successfully sent outbound message, ordered as
    /// One notification by id (active or cleared), or nil.
    public func notification(id: Int64, on connection: PostgresConnection) throws -> NotificationResource? {
        guard
            let row = try connection.query(
                "SELECT id, kind, page_id, psid, raised_at, cleared_at FROM notifications WHERE id = $1", [id]
            ).singleRow()
        else { return nil }
        return NotificationResource(
            id: try row.decode(0, as: Int64.self), kind: try row.decode(1, as: String.self),
            pageID: try row.decode(2, as: String.self), psid: try row.decode(3, as: String.self),
            raisedAt: try row.decode(4, as: Date.self), clearedAt: try row.decode(5, as: Date?.self))
    }

    /// `DisplayStatus.latestSuccessful(among:)` orders them: one query per request, not per message.
    func latestSuccessfulID(pageID: String, psid: String, on connection: PostgresConnection) throws -> Int64? {
        try connection.query(
            """
            SELECT m.id FROM messages m
            WHERE m.page_id = $1 AND m.psid = $2 AND \(DisplayStatus.successfulCondition("m"))
            ORDER BY \(DisplayStatus.latestSuccessfulOrder("m")) LIMIT 1
            """, [pageID, psid]
        ).singleRow()?.decode(0, as: Int64.self)
    }
}
