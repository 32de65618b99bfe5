import Foundation
import Messenger
import Postgres

/// Sends a sender action to Graph. A protocol so the gateway needs no HTTP client of its own: the
/// `herald` executable passes the libcurl implementation from `Workers`.
public protocol SenderActionSender: Sendable {
    /// Graph's answer; never throws (a network failure is a transient `GraphFailure`).
    func send(_ action: SenderAction, psid: String, accessToken: String) async -> SenderActionResult
}

/// What became of one sender action. Actions are best effort: never stored, never retried.
public enum SenderActionResult: Sendable, Equatable {
    case taken
    case refused(GraphFailure)

    /// `taken`, or the failure reason (`outside_window`, `graph_unavailable`, …): a metric label.
    public var outcome: String {
        switch self {
        case .taken: "taken"
        case .refused(let failure): failure.reason.rawValue
        }
    }
}

/// The database side of sender actions: may this customer get one now, with which token; and a
/// supporter's read (`mark_seen`).
public struct SenderActionStore: Sendable {
    /// `HERALD_TOKEN_KEY`, to open sealed page tokens.
    let tokenKey: [UInt8]?

    public init(tokenKey: [UInt8]? = nil) {
        self.tokenKey = tokenKey
    }

    /// Whether an action may go to Graph now.
    public enum Target: Sendable, Equatable {
        /// No such page, or one never connected.
        case pageNotConnected
        /// The page's token expired, or cannot be opened with the configured key.
        case tokenUnusable
        /// The customer's 24-hour window is closed (`closesAt`), or it never opened (nil: the
        /// customer never wrote, or is unknown).
        case outsideWindow(closesAt: Date?)
        case ready(accessToken: String)
    }

    public func target(pageID: String, psid: String, now: Date, on connection: PostgresConnection) throws -> Target {
        let rows = try connection.query(
            """
            SELECT p.access_token, p.token_encrypted, p.token_status,
                   (SELECT c.last_message_at FROM customers c WHERE c.page_id = p.id AND c.psid = $2)
            FROM pages p WHERE p.id = $1
            """, [pageID, psid])
        guard let row = try rows.singleRow(), let stored = try row.decode(0, as: [UInt8]?.self) else {
            return .pageNotConnected
        }
        let closesAt = CustomerActivity.windowClosesAt(lastMessageAt: try row.decode(3, as: Date?.self))
        guard let closesAt, now < closesAt else { return .outsideWindow(closesAt: closesAt) }
        guard try row.decode(2, as: String.self) == "valid",
            let token = PageToken.open(stored, encrypted: try row.decode(1, as: Bool.self), key: tokenKey)
        else { return .tokenUnusable }
        return .ready(accessToken: token)
    }

    /// Records that a supporter saw the conversation at `at` (never moving backwards); false when
    /// the page has no such customer.
    @discardableResult
    public func markSeen(pageID: String, psid: String, at: Date, on connection: PostgresConnection) throws -> Bool {
        let rows = try connection.query(
            """
            UPDATE customers SET last_seen_by_supporter_at = GREATEST(last_seen_by_supporter_at, $3)
            WHERE page_id = $1 AND psid = $2
            RETURNING 1
            """, [pageID, psid, at])
        return !rows.isEmpty
    }
}
