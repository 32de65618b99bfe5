import Foundation
import JobQueue
import Messenger
import Postgres

/// Creates supporters' messages and their send jobs, in one transaction.
public struct OutboundStore: Sendable {
    /// The job that sends one outbound message through the Graph Send API.
    public static let sendKind = JobKind("send_message")

    public let jobQueue: JobQueue
    /// Attempts a send gets before it fails for good. Default: 8.
    public let maxAttempts: Int

    public init(jobQueue: JobQueue = JobQueue(), maxAttempts: Int = 8) {
        self.jobQueue = jobQueue
        self.maxAttempts = maxAttempts
    }

    /// What `create` did.
    public enum Created: Sendable, Equatable {
        /// A new message (queued, or failed by a format rule).
        case created(id: Int64)
        /// The idempotency key was used before for this page: the first message, nothing sent again.
        case existing(id: Int64)
    }

    /// Why a message could not be created at all.
    public enum Refusal: Error, Sendable, Equatable {
        case pageNotConnected
    }

    /// A new outbound message.
    public struct Draft: Sendable {
        public var pageID: String
        public var psid: String
        /// The content as stored: Herald's own JSON shape of the request.
        public var content: PostgresJSON
        public var author: MessageAuthor
        public var idempotencyKey: String?
        /// A format rule the content breaks: the message is stored as failed and never sent.
        public var violation: (reason: FailureReason, detail: String)?
        /// Who creates it (`sent_by`). Default: the service token.
        public var sentBy: MessageActor

        public init(
            pageID: String, psid: String, content: PostgresJSON, author: MessageAuthor = .supporter,
            idempotencyKey: String? = nil, violation: (reason: FailureReason, detail: String)? = nil,
            sentBy: MessageActor = .api
        ) {
            self.sentBy = sentBy
            self.pageID = pageID
            self.psid = psid
            self.content = content
            self.author = author
            self.idempotencyKey = idempotencyKey
            self.violation = violation
        }
    }

    /// Stores the message and, unless it breaks a format rule, its send job; run it inside a
    /// transaction so both commit together. The job's ordering key keeps one customer's messages
    /// in creation order.
    public func create(_ draft: Draft, now: Date, on connection: PostgresConnection) throws -> Created {
        let connected = try connection.query(
            "SELECT 1 FROM pages WHERE id = $1 AND access_token IS NOT NULL", [draft.pageID])
        guard !connected.isEmpty else { throw Refusal.pageNotConnected }

        let inserted = try connection.query(
            """
            INSERT INTO messages (page_id, psid, direction, author, content, status, failure_reason, failure_detail,
                                  failed_at, idempotency_key, created_at, updated_at, sent_by, sent_by_supporter_id)
            VALUES ($1, $2, \(MessageDirection.outbound.sql), $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)
            ON CONFLICT (page_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id
            """,
            [
                draft.pageID, draft.psid, draft.author.rawValue, draft.content,
                (draft.violation == nil ? MessageStatus.queued : .failed).rawValue,
                draft.violation?.reason.rawValue, draft.violation?.detail, draft.violation == nil ? nil : now,
                draft.idempotencyKey, now, draft.sentBy.kind.rawValue, draft.sentBy.supporterID,
            ])
        guard let id = try inserted.first?.decode(0, as: Int64.self) else {
            let existing = try connection.query(
                "SELECT id FROM messages WHERE page_id = $1 AND idempotency_key = $2",
                [draft.pageID, draft.idempotencyKey])
            return .existing(id: try existing[0].decode(0, as: Int64.self))
        }
        if draft.violation == nil {
            try jobQueue.enqueue(
                [sendJob(messageID: id, pageID: draft.pageID, psid: draft.psid)], now: now, on: connection)
        }
        return .created(id: id)
    }

    /// The send job of a message.
    public func sendJob(messageID: Int64, pageID: String, psid: String) -> NewJob {
        NewJob(
            kind: Self.sendKind, payload: SendJobPayload(messageID: messageID).json, maxAttempts: maxAttempts,
            orderingKey: "\(pageID)|\(psid)")
    }
}

extension OutboundStore {
    /// Requeues the messages among `messageIDs` that are still failed, each with a new send job
    /// enqueued in id order (creation order within a conversation), and records `actor` as their
    /// `resent_by`; run it inside the caller's transaction. Returns the ids requeued.
    public func requeue(
        messageIDs: [Int64], by actor: MessageActor, now: Date, on connection: PostgresConnection
    ) throws -> [Int64] {
        guard !messageIDs.isEmpty else { return [] }
        let rows = try connection.query(
            """
            UPDATE messages SET status = \(MessageStatus.resend.sql), failure_reason = NULL, failure_detail = NULL, graph_code = NULL,
                                graph_subcode = NULL, failed_at = NULL, updated_at = $2, resent_by = $3,
                                resent_by_supporter_id = $4
            WHERE id = ANY($1::bigint[]) AND status = \(MessageStatus.failed.sql) AND direction = \(MessageDirection.outbound.sql)
            RETURNING id, page_id, psid
            """, [PostgresArrayLiteral.int8(messageIDs), now, actor.kind.rawValue, actor.supporterID])
        let requeued = try rows.map {
            (
                id: try $0.decode(0, as: Int64.self), page: try $0.decode(1, as: String.self),
                psid: try $0.decode(2, as: String.self)
            )
        }.sorted { $0.id < $1.id }
        try jobQueue.enqueue(
            requeued.map { sendJob(messageID: $0.id, pageID: $0.page, psid: $0.psid) }, now: now, on: connection)
        return requeued.map(\.id)
    }

    /// Requeues a failed message for a real new attempt: status `resend` (its failure cleared)
    /// and a new send job; run it inside the caller's transaction. Returns false when the message
    /// was no longer failed (another resend or trigger got there first).
    public func requeue(
        messageID: Int64, by actor: MessageActor, now: Date, on connection: PostgresConnection
    ) throws -> Bool {
        try !requeue(messageIDs: [messageID], by: actor, now: now, on: connection).isEmpty
    }
}
