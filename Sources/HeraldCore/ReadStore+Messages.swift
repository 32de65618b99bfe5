import Foundation
import Messenger
import Postgres

extension ReadStore {
    /// The message columns plus the facts the resend rules need, joined from the customer, the
    /// page and the message's blocked URLs. `source` must name the message rows `m`.
    static func messageSelect(from source: String) -> String {
        """
        SELECT m.id, m.page_id, m.psid, m.mid, m.direction, m.author, m.content, m.status, m.failure_reason,
               m.failure_detail, m.graph_code, m.graph_subcode, m.failed_at, m.attempts, m.created_at, m.sent_at,
               m.delivered_at, m.seen_at, m.sent_by, m.sent_by_supporter_id, sender.name AS sent_by_name,
               m.resent_by, m.resent_by_supporter_id, resender.name AS resent_by_name,
               c.last_message_at AS customer_last_message_at,
               COALESCE(p.access_token IS NOT NULL AND p.token_status = 'valid', false) AS page_token_valid,
               GREATEST(p.connected_at, p.reconnected_at) AS page_connected_at,
               (m.failure_reason IS DISTINCT FROM \(FailureReason.urlBlacklisted.sql) OR NOT EXISTS (
                   SELECT 1 FROM message_blocked_urls mb JOIN blocked_urls b ON b.url = mb.url
                   WHERE mb.message_id = m.id AND b.released_at IS NULL)) AS blocked_urls_released
        FROM \(source)
        LEFT JOIN customers c ON c.page_id = m.page_id AND c.psid = m.psid
        LEFT JOIN pages p ON p.id = m.page_id
        LEFT JOIN supporters sender ON sender.id = m.sent_by_supporter_id
        LEFT JOIN supporters resender ON resender.id = m.resent_by_supporter_id
        """
    }

    /// Builds the resource from a `messageSelect` row.
    static func message(_ row: PostgresRow, latestSuccessful: Int64?, now: Date) throws -> MessageResource {
        let id = try row.decode("id", as: Int64.self)
        let direction = try MessageDirection(stored: try row.decode("direction", as: String.self), column: "direction")
        let status = try MessageStatus(stored: try row.decode("status", as: String.self), column: "status")
        var failure: MessageResource.Failure?
        if status == .failed, let stored = try row.decode("failure_reason", as: String?.self) {
            let reason = FailureReason(stored: stored)
            let context = ResendPolicy.Context(
                failedAt: try row.decode("failed_at", as: Date?.self), now: now,
                customerLastMessageAt: try row.decode("customer_last_message_at", as: Date?.self),
                pageTokenValid: try row.decode("page_token_valid", as: Bool.self),
                pageReconnectedAt: try row.decode("page_connected_at", as: Date?.self),
                blockedURLsReleased: try row.decode("blocked_urls_released", as: Bool.self))
            failure = MessageResource.Failure(
                reason: reason, detail: try row.decode("failure_detail", as: String?.self),
                graphCode: try row.decode("graph_code", as: Int?.self),
                graphSubcode: try row.decode("graph_subcode", as: Int?.self),
                decision: ResendPolicy.decide(reason, context))
        }
        let author = try MessageAuthor(stored: try row.decode("author", as: String.self), column: "author")
        return MessageResource(
            id: id, pageID: try row.decode("page_id", as: String.self), psid: try row.decode("psid", as: String.self),
            mid: try row.decode("mid", as: String?.self), direction: direction,
            author: author,
            content: try JSONValue(parsing: try row.decode("content", as: [UInt8].self)), status: status,
            displayStatus: DisplayStatus.of(
                direction: direction, status: status, isLatestSuccessful: id == latestSuccessful),
            failure: failure, attempts: try row.decode("attempts", as: Int.self),
            createdAt: try row.decode("created_at", as: Date.self), sentAt: try row.decode("sent_at", as: Date?.self),
            deliveredAt: try row.decode("delivered_at", as: Date?.self),
            seenAt: try row.decode("seen_at", as: Date?.self), sentBy: try sentBy(row, author: author),
            resentBy: try MessageAttribution.stored(
                kind: try row.decode("resent_by", as: String?.self),
                supporterID: try row.decode("resent_by_supporter_id", as: Int64?.self),
                name: try row.decode("resent_by_name", as: String?.self), column: "resent_by"))
    }

    /// `sent_by` as stored. A supporter message older than sql/0010 has none stored and is
    /// reported as the service token's: it was the only way to send before supporter accounts.
    private static func sentBy(_ row: PostgresRow, author: MessageAuthor) throws -> MessageAttribution? {
        let stored = try MessageAttribution.stored(
            kind: try row.decode("sent_by", as: String?.self),
            supporterID: try row.decode("sent_by_supporter_id", as: Int64?.self),
            name: try row.decode("sent_by_name", as: String?.self), column: "sent_by")
        return stored ?? (author == .supporter ? .api : nil)
    }
}

extension ReadStore {
    /// Many messages by id, each as `message(id:)` would give it, in two queries whatever their
    /// number (the change stream builds a batch of events at once). Missing ids are absent.
    public func messages(ids: [Int64], now: Date, on connection: PostgresConnection) throws -> [Int64: MessageResource]
    {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            Self.messageSelect(from: "messages m") + " WHERE m.id = ANY($1::bigint[])", [PostgresArrayLiteral.int8(ids)]
        )
        var conversations: [String] = []
        var psids: [String] = []
        for row in rows {
            conversations.append(try row.decode("page_id", as: String.self))
            psids.append(try row.decode("psid", as: String.self))
        }
        // The latest successful outbound message of each conversation involved, as latestSuccessfulID orders them.
        var latest: [String: Int64] = [:]
        if !conversations.isEmpty {
            let latestRows = try connection.query(
                """
                SELECT DISTINCT ON (m.page_id, m.psid) m.page_id, m.psid, m.id
                FROM messages m
                JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS c(page_id, psid)) c
                  ON c.page_id = m.page_id AND c.psid = m.psid
                WHERE \(DisplayStatus.successfulCondition("m"))
                ORDER BY m.page_id, m.psid, \(DisplayStatus.latestSuccessfulOrder("m"))
                """, [PostgresArrayLiteral.text(conversations), PostgresArrayLiteral.text(psids)])
            for row in latestRows {
                latest[try row.decode(0, as: String.self) + "\u{0}" + row.decode(1, as: String.self)] =
                    try row.decode(2, as: Int64.self)
            }
        }
        var result: [Int64: MessageResource] = [:]
        for row in rows {
            let key = try row.decode("page_id", as: String.self) + "\u{0}" + row.decode("psid", as: String.self)
            let message = try Self.message(row, latestSuccessful: latest[key], now: now)
            result[message.id] = message
        }
        return result
    }
}
