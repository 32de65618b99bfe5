import Foundation
import Postgres

/// A page of a page's customers, most recently active first, and the cursor for the next page.
public struct CustomerPage: Sendable, Hashable, Encodable {
    public var customers: [CustomerResource]
    /// Pass as `before` for the next (less recently active) customers; nil when there are none.
    public var nextBefore: String?

    enum CodingKeys: String, CodingKey {
        case customers
        case nextBefore = "next_before"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(customers, forKey: .customers)
        try container.encodeOrNull(nextBefore, forKey: .nextBefore)
    }
}

/// Where a customer list continues: after the customer last active at `lastActiveAt` (µs since
/// the epoch, nil when never active) with `psid`. Written `"<µs>:<psid>"` (or `"-:<psid>"`), an
/// opaque string to clients.
public struct CustomerCursor: Sendable, Hashable {
    public var lastActiveMicroseconds: Int64?
    public var psid: String

    public init(lastActiveMicroseconds: Int64?, psid: String) {
        self.lastActiveMicroseconds = lastActiveMicroseconds
        self.psid = psid
    }

    /// Nil when `text` is not a cursor this API handed out.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let time = text[..<colon]
        let psid = String(text[text.index(after: colon)...])
        guard !psid.isEmpty else { return nil }
        if time == "-" {
            lastActiveMicroseconds = nil
        } else {
            guard let value = Int64(time) else { return nil }
            lastActiveMicroseconds = value
        }
        self.psid = psid
    }

    public var text: String { "\(lastActiveMicroseconds.map(String.init) ?? "-"):\(psid)" }
}

extension ReadStore {
    /// The customers of a page, most recently active first (never-active ones last), `limit` at
    /// most, after `before`. Uses the `customers_recent` index.
    public func customers(
        pageID: String, limit: Int, before: CustomerCursor?, now: Date, on connection: PostgresConnection
    ) throws -> CustomerPage {
        let afterTime = before?.lastActiveMicroseconds.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
        let rows = try connection.query(
            """
            SELECT c.psid, c.first_active_at, c.last_active_at, c.last_message_at, c.total_messages,
                   EXISTS (SELECT 1 FROM notifications n
                           WHERE n.kind = 'customer_inactive' AND n.page_id = c.page_id AND n.psid = c.psid
                             AND n.cleared_at IS NULL) AS notified,
                   \(unreadColumn)
            FROM customers c
            WHERE c.page_id = $1
              AND ($2::text IS NULL
                   OR ($3::timestamptz IS NOT NULL AND (c.last_active_at < $3 OR (c.last_active_at = $3 AND c.psid > $2)
                                                        OR c.last_active_at IS NULL))
                   OR ($3::timestamptz IS NULL AND c.last_active_at IS NULL AND c.psid > $2))
            ORDER BY c.last_active_at DESC NULLS LAST, c.psid
            LIMIT $4
            """, [pageID, before?.psid, afterTime, limit + 1])
        let customers = try rows.prefix(limit).map { row in
            let lastActiveAt = try row.decode("last_active_at", as: Date?.self)
            return CustomerResource(
                pageID: pageID, psid: try row.decode("psid", as: String.self),
                firstActiveAt: try row.decode("first_active_at", as: Date?.self), lastActiveAt: lastActiveAt,
                totalMessages: try row.decode("total_messages", as: Int.self),
                inactiveOver24h: CustomerActivity.isInactiveOver24h(
                    lastActiveAt: lastActiveAt, activeNotification: try row.decode("notified", as: Bool.self), now: now),
                windowClosesAt: CustomerActivity.windowClosesAt(
                    lastMessageAt: try row.decode("last_message_at", as: Date?.self)),
                unread: try row.decode("unread", as: Int.self))
        }
        let next = rows.count > limit ? customers.last.map {
            CustomerCursor(
                lastActiveMicroseconds: $0.lastActiveAt.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) },
                psid: $0.psid
            ).text
        } : nil
        return CustomerPage(customers: Array(customers), nextBefore: next ?? nil)
    }
}
