import Foundation
import Messenger
import Postgres

/// The database side of sending one outbound message: start an attempt (with the checks that
/// need no Graph call), then record how it ended. No transaction is held open across the Graph
/// call; each step is its own short transaction.
public struct SendAttempts: Sendable {
    /// `HERALD_TOKEN_KEY`'s 32 bytes, to open page tokens sealed at rest; nil when not configured.
    public let tokenKey: [UInt8]?
    /// Where refused URLs are recorded, and released once a message holding them goes through.
    public let blockedURLs: BlockedURLs

    public init(tokenKey: [UInt8]? = nil, blockedURLs: BlockedURLs = BlockedURLs()) {
        self.tokenKey = tokenKey
        self.blockedURLs = blockedURLs
    }

    /// What to do with a message whose send job runs.
    public enum Start: Sendable, Equatable {
        /// Call Graph with this.
        case send(SendPlan)
        /// Fail without calling Graph (page token expired, window closed).
        case failNow(reason: FailureReason, detail: String)
        /// Nothing to do: the message is already sent or failed, or gone.
        case skip
    }

    /// Everything the worker needs for the Graph call.
    public struct SendPlan: Sendable, Equatable {
        public var messageID: Int64
        public var pageID: String
        public var psid: String
        public var content: PostgresJSON
        public var accessToken: String
        /// The status before this attempt (`queued` or `resend`), restored on a transient failure.
        public var previousStatus: MessageStatus
        public var attempt: Int
        /// `RESPONSE` inside the 24-hour window; the `HUMAN_AGENT` tag for a supporter's reply after it.
        public var messagingType: MessagingType = .response
    }

    /// How long after the customer's last message a supporter may still reply with the
    /// `HUMAN_AGENT` tag (on pages that enabled it).
    public static let humanAgentWindow: TimeInterval = 7 * CustomerActivity.day

    /// How one Graph call ended.
    public enum Result: Sendable, Equatable {
        case sent(mid: String)
        case failed(reason: FailureReason, detail: String, graphCode: Int?, graphSubcode: Int?)
        /// Worth retrying (throttling, 5xx, network); the job decides when.
        case transient(reason: FailureReason, detail: String, graphCode: Int?, graphSubcode: Int?)
    }

    /// Records the outcome of an attempt, with an attempt history row.
    ///
    /// `final` says a transient failure is the last try: the message then fails with that reason.
    /// `urls` are the message's URLs: on `url_blacklisted` they are recorded as blocked, so the
    /// message can be requeued once they are released.
    public func record(
        _ result: Result, messageID: Int64, previousStatus: MessageStatus, final: Bool = false, urls: [String] = [],
        now: Date, on connection: PostgresConnection
    ) throws {
        if case .sent(let mid) = result {
            return try recordSent([SentMessage(messageID: messageID, mid: mid, sentAt: now)], now: now, on: connection)
        }
        try connection.transaction { connection in
            switch result {
            case .sent:
                return  // recorded above
            case .failed(let reason, let detail, let code, let subcode):
                try fail(messageID, reason, detail, code, subcode, now, connection)
                if reason == .urlBlacklisted {
                    try blockedURLs.block(urls, messageID: messageID, now: now, on: connection)
                }
            case .transient(let reason, let detail, let code, let subcode) where final:
                try fail(messageID, reason, detail, code, subcode, now, connection)
            case .transient(let reason, let detail, let code, let subcode):
                // Only a message whose attempt is still in flight (`sending`, or `resend` for a
                // requeued one): the echo of a call that timed out may have recorded it `sent`
                // meanwhile (IngestStore.settleUnansweredSends).
                try connection.query(
                    """
                    UPDATE messages SET status = $2, graph_code = $3, graph_subcode = $4, updated_at = $5
                    WHERE id = $1 AND status IN \([MessageStatus.sending, .resend].sql)
                    """,
                    [messageID, previousStatus.rawValue, code.map(Int64.init), subcode.map(Int64.init), now])
                try history(
                    messageID, "retry:\(reason.rawValue)", detail: detail, code: code, subcode: subcode, now, connection
                )
            }
        }
    }

    /// A message Graph accepted, with the id Graph gave it and when.
    public struct SentMessage: Sendable, Equatable {
        public var messageID: Int64
        public var mid: String
        /// When Graph's answer arrived: the message's `sent_at`, however much later it is recorded.
        public var sentAt: Date

        public init(messageID: Int64, mid: String, sentAt: Date) {
            self.messageID = messageID
            self.mid = mid
            self.sentAt = sentAt
        }
    }

    /// Records messages Graph accepted, each with its history row, in one statement: a send
    /// thread records the messages of a claimed batch together. `now` is the release time of
    /// blocked URLs such a message held.
    ///
    /// A delivery or read can be ingested between Graph's answer and this statement (while the
    /// message is still `sending`, so the watermark update passes it by): a message the
    /// customer's stored watermarks already cover is recorded `delivered` or `seen` at once, as
    /// `IngestStore.catchUpWatermarks` does for echoes.
    public func recordSent(_ messages: [SentMessage], now: Date, on connection: PostgresConnection) throws {
        guard !messages.isEmpty else { return }
        let ids = PostgresArrayLiteral.int8(messages.map(\.messageID))
        // Microseconds since 1970 (Postgres's precision), exact in an int8.
        let sentAt = PostgresArrayLiteral.int8(
            messages.map { Int64(($0.sentAt.timeIntervalSince1970 * 1_000_000).rounded()) })
        // The messages that held URLs recorded as blocked (rare) release them.
        let heldBlockedURLs = try connection.query(
            prepared: "herald_send_sent",
            """
            WITH answered AS (
                SELECT a.id, a.mid, timestamptz 'epoch' + a.sent_us * interval '1 microsecond' AS sent_at
                FROM unnest($1::int8[], $2::text[], $3::int8[]) AS a(id, mid, sent_us)),
            accepted AS (
                SELECT a.id, a.mid, a.sent_at,
                       CASE WHEN a.sent_at <= c.read_watermark THEN c.read_watermark END AS seen_at,
                       CASE WHEN a.sent_at <= GREATEST(c.delivered_watermark, c.read_watermark)
                            THEN GREATEST(c.delivered_watermark, c.read_watermark) END AS delivered_at
                FROM answered a JOIN messages o ON o.id = a.id
                LEFT JOIN customers c ON c.page_id = o.page_id AND c.psid = o.psid),
            sent AS (
                UPDATE messages m SET status = CASE WHEN a.seen_at IS NOT NULL THEN \(MessageStatus.seen.sql)
                                                    WHEN a.delivered_at IS NOT NULL THEN \(MessageStatus.delivered.sql) ELSE \(MessageStatus.sent.sql) END,
                                      mid = a.mid, sent_at = a.sent_at, delivered_at = COALESCE(m.delivered_at, a.delivered_at),
                                      seen_at = COALESCE(m.seen_at, a.seen_at), failure_reason = NULL,
                                      failure_detail = NULL, graph_code = NULL, graph_subcode = NULL,
                                      failed_at = NULL, updated_at = a.sent_at
                FROM accepted a WHERE m.id = a.id RETURNING m.id, m.sent_at),
            attempt AS (
                INSERT INTO message_attempts (message_id, attempted_at, outcome)
                SELECT id, sent_at, \(MessageStatus.sent.sql) FROM sent ORDER BY id)
            SELECT DISTINCT message_id FROM message_blocked_urls WHERE message_id = ANY($1::int8[])
            """, [ids, PostgresArrayLiteral.text(messages.map(\.mid)), sentAt]
        ).map { try $0.decode(0, as: Int64.self) }
        for messageID in heldBlockedURLs {
            try connection.transaction { try blockedURLs.messageSent(messageID, now: now, on: $0) }
        }
    }

    /// Marks a page's token expired (Graph said so); its other messages then fail without a call.
    public func markPageExpired(_ pageID: String, now: Date, on connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE pages SET token_status = 'expired', token_expired_at = COALESCE(token_expired_at, $2), updated_at = $2
            WHERE id = $1 AND token_status = 'valid'
            """, [pageID, now])
    }

    private func fail(
        _ id: Int64, _ reason: FailureReason, _ detail: String, _ code: Int?, _ subcode: Int?, _ now: Date,
        _ connection: PostgresConnection
    ) throws {
        try connection.query(
            """
            UPDATE messages SET status = \(MessageStatus.failed.sql), failure_reason = $2, failure_detail = $3, graph_code = $4,
                                graph_subcode = $5, failed_at = $6, updated_at = $6
            WHERE id = $1 AND mid IS NULL  -- a message with a mid was sent (its echo may say so first)
            """, [id, reason.rawValue, String(detail.prefix(1000)), code.map(Int64.init), subcode.map(Int64.init), now])
        try history(id, "failed:\(reason.rawValue)", detail: detail, code: code, subcode: subcode, now, connection)
    }

    private func history(
        _ id: Int64, _ outcome: String, detail: String?, code: Int?, subcode: Int?, _ now: Date,
        _ connection: PostgresConnection
    ) throws {
        try connection.query(
            """
            INSERT INTO message_attempts (message_id, attempted_at, outcome, graph_code, graph_subcode, detail)
            VALUES ($1, $2, $3, $4, $5, $6)
            """,
            [id, now, outcome, code.map(Int64.init), subcode.map(Int64.init), detail.map { String($0.prefix(1000)) }])
    }
}

extension SendAttempts {
    /// A send job ended without an outcome (its worker died on the last attempt, or the handler
    /// kept failing): the message fails `graph_unavailable` rather than stay `sending` for ever.
    /// Only a message still waiting for that send is touched. Returns whether it was.
    @discardableResult
    public func abandon(messageID: Int64, detail: String, now: Date, on connection: PostgresConnection) throws -> Bool {
        try connection.transaction { connection in
            let rows = try connection.query(
                """
                UPDATE messages SET status = \(MessageStatus.failed.sql), failure_reason = \(FailureReason.graphUnavailable.sql), failure_detail = $2,
                                    failed_at = $3, updated_at = $3
                WHERE id = $1 AND direction = \(MessageDirection.outbound.sql) AND status IN \(MessageStatus.pending.sql)
                """, [messageID, detail, now])
            guard rows.affectedRows == 1 else { return false }
            try connection.query(
                """
                INSERT INTO message_attempts (message_id, attempted_at, outcome, detail)
                VALUES ($1, $2, 'failed:graph_unavailable', $3)
                """, [messageID, now, detail])
            return true
        }
    }
}
