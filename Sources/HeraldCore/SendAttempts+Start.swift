import Foundation
import Messenger
import Postgres

extension SendAttempts {
    /// A message whose attempt was started, and the status it had before.
    public struct Started: Sendable, Equatable {
        public var start: Start
        /// `queued` or `resend`: restored if the attempt is handed back unstarted (`unstart`) or
        /// ends in a transient failure.
        public var previousStatus: MessageStatus
    }

    /// Marks messages `sending` (one more attempt each) and gathers what their Graph calls need,
    /// except a requeued message, which stays `resend` while its new attempt is in flight (a
    /// supporter who pressed Resend sees Resend until it is sent or fails again);
    /// in one statement for a send thread's claimed batch (the send path's hot spot). An attempt
    /// refused by a pre-check (expired page, closed window) counts as an attempt too: its outcome
    /// is recorded like any other. A message missing from the result is already sent or failed,
    /// or gone: nothing to do.
    public func startAll(messageIDs: [Int64], now: Date, on connection: PostgresConnection) throws -> [Int64: Started] {
        guard !messageIDs.isEmpty else { return [:] }
        let rows = try connection.query(
            prepared: "herald_send_start",
            """
            WITH target AS (
                SELECT m.id, m.status FROM messages m
                WHERE m.id = ANY($1::int8[]) AND m.direction = \(MessageDirection.outbound.sql) AND m.status IN \(MessageStatus.pending.sql)
                ORDER BY m.id
                FOR UPDATE),
            started AS (
                UPDATE messages m SET status = CASE WHEN target.status = \(MessageStatus.resend.sql) THEN \(MessageStatus.resend.sql) ELSE \(MessageStatus.sending.sql) END,
                                      attempts = m.attempts + 1, updated_at = $2
                FROM target WHERE m.id = target.id
                RETURNING m.id, m.page_id, m.psid, m.content, target.status AS previous, m.attempts, m.author)
            SELECT s.page_id, s.psid, s.content, s.previous, s.attempts, p.access_token, p.token_encrypted,
                   p.token_status,
                   -- A lookup per message by primary key: a join let Postgres hash all customers.
                   (SELECT c.last_message_at FROM customers c WHERE c.page_id = s.page_id AND c.psid = s.psid),
                   s.author, p.human_agent_enabled, s.id
            FROM started s
            JOIN pages p ON p.id = s.page_id
            """, [PostgresArrayLiteral.int8(messageIDs), now])
        var started: [Int64: Started] = [:]
        for row in rows {
            let messageID = try row.decode(11, as: Int64.self)
            let previous = try MessageStatus(stored: try row.decode(3, as: String.self), column: "status")
            // A message found `sending` was left so by a worker that died: it never failed.
            let previousStatus = previous == .sending ? .queued : previous
            started[messageID] = Started(
                start: try start(messageID, previousStatus: previousStatus, row, now: now),
                previousStatus: previousStatus)
        }
        return started
    }

    /// Hands started attempts back unsent (their send thread is stopping): each message gets its
    /// previous status and attempt count again, unless something else moved it meanwhile.
    public func unstart(
        _ messages: [(messageID: Int64, previousStatus: MessageStatus)], now: Date, on connection: PostgresConnection
    ) throws {
        guard !messages.isEmpty else { return }
        try connection.query(
            """
            UPDATE messages m SET status = u.previous, attempts = greatest(m.attempts - 1, 0), updated_at = $3
            FROM unnest($1::int8[], $2::text[]) AS u(id, previous)
            WHERE m.id = u.id AND m.status IN \([MessageStatus.sending, .resend].sql)
            """,
            [
                PostgresArrayLiteral.int8(messages.map(\.messageID)),
                PostgresArrayLiteral.text(messages.map(\.previousStatus.rawValue)),
                now,
            ])
    }

    /// The pre-checks on one started message's row: page token, the 24-hour window (or
    /// `HUMAN_AGENT` after it), a token that opens.
    private func start(_ messageID: Int64, previousStatus: MessageStatus, _ row: PostgresRow, now: Date) throws -> Start
    {
        if try row.decode(7, as: String.self) == "expired" {
            return .failNow(reason: .tokenExpired, detail: "the page's access token expired; reconnect the page")
        }
        var messagingType = MessagingType.response
        let lastMessageAt = try row.decode(8, as: Date?.self)
        if let lastMessageAt, let closes = CustomerActivity.windowClosesAt(lastMessageAt: lastMessageAt), now >= closes
        {
            // Only a person may use HUMAN_AGENT, and only for 7 days (Messenger policy).
            let humanAgentUntil = lastMessageAt.addingTimeInterval(Self.humanAgentWindow)
            guard try row.decode(10, as: Bool.self),
                try row.decode(9, as: String.self) == MessageAuthor.supporter.rawValue,
                now < humanAgentUntil
            else {
                return .failNow(
                    reason: .outsideWindow,
                    detail: "the customer's 24-hour window closed at \(RFC3339.string(from: closes))")
            }
            messagingType = .humanAgent
        }
        guard let stored = try row.decode(5, as: [UInt8]?.self) else {
            return .failNow(reason: .tokenExpired, detail: "the page has no usable access token; reconnect the page")
        }
        guard let token = PageToken.open(stored, encrypted: try row.decode(6, as: Bool.self), key: tokenKey) else {
            return .failNow(
                reason: .tokenExpired,
                detail: "the page's token cannot be decrypted with HERALD_TOKEN_KEY; reconnect the page")
        }
        return .send(
            SendPlan(
                messageID: messageID, pageID: try row.decode(0, as: String.self),
                psid: try row.decode(1, as: String.self),
                content: try row.decode(2, as: PostgresJSON.self), accessToken: token, previousStatus: previousStatus,
                attempt: try row.decode(4, as: Int.self), messagingType: messagingType))
    }
}
