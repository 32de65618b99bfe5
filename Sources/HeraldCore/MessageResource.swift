import Foundation
import Messenger

/// A message as `/v1` answers it (docs/design.md's message resource).
public struct MessageResource: Sendable, Hashable, Encodable {
    /// Why it failed and whether it may be resent now; present only on failed messages.
    public struct Failure: Sendable, Hashable, Encodable {
        public var reason: FailureReason
        public var detail: String?
        public var graphCode: Int?
        public var graphSubcode: Int?
        public var resendable: Bool
        public var resendWhen: ResendPolicy.Condition?

        public init(
            reason: FailureReason, detail: String?, graphCode: Int?, graphSubcode: Int?,
            decision: ResendPolicy.Decision
        ) {
            self.reason = reason
            self.detail = detail
            self.graphCode = graphCode
            self.graphSubcode = graphSubcode
            self.resendable = decision.resendable
            self.resendWhen = decision.resendWhen
        }

        enum CodingKeys: String, CodingKey {
            case reason, detail
            case graphCode = "graph_code"
            case graphSubcode = "graph_subcode"
            case resendable
            case resendWhen = "resend_when"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(reason, forKey: .reason)
            try container.encodeOrNull(detail, forKey: .detail)
            try container.encodeOrNull(graphCode, forKey: .graphCode)
            try container.encodeOrNull(graphSubcode, forKey: .graphSubcode)
            try container.encode(resendable, forKey: .resendable)
            try container.encodeOrNull(resendWhen, forKey: .resendWhen)
        }
    }

    public var id: Int64
    public var pageID: String
    public var psid: String
    public var mid: String?
    public var direction: MessageDirection
    public var author: MessageAuthor
    /// The stored content JSON itself.
    public var content: JSONValue
    public var status: MessageStatus
    public var displayStatus: DisplayStatus?
    public var failure: Failure?
    public var attempts: Int
    public var createdAt: Date
    public var sentAt: Date?
    public var deliveredAt: Date?
    public var seenAt: Date?
    /// Who created it (outbound supporter messages only; nil on inbound and `bot` messages).
    public var sentBy: MessageAttribution?
    /// Who requeued it last (nil until a resend).
    public var resentBy: MessageAttribution?

    public init(
        id: Int64, pageID: String, psid: String, mid: String?, direction: MessageDirection,
        author: MessageAuthor, content: JSONValue, status: MessageStatus, displayStatus: DisplayStatus?,
        failure: Failure?, attempts: Int,
        createdAt: Date, sentAt: Date?, deliveredAt: Date?, seenAt: Date?, sentBy: MessageAttribution? = nil,
        resentBy: MessageAttribution? = nil
    ) {
        self.id = id
        self.pageID = pageID
        self.psid = psid
        self.mid = mid
        self.direction = direction
        self.author = author
        self.content = content
        self.status = status
        self.displayStatus = displayStatus
        self.failure = failure
        self.attempts = attempts
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.deliveredAt = deliveredAt
        self.seenAt = seenAt
        self.sentBy = sentBy
        self.resentBy = resentBy
    }

    enum CodingKeys: String, CodingKey {
        case id
        case pageID = "page_id"
        case psid, mid, direction, author, content, status
        case displayStatus = "display_status"
        case failure, attempts
        case createdAt = "created_at"
        case sentAt = "sent_at"
        case deliveredAt = "delivered_at"
        case seenAt = "seen_at"
        case sentBy = "sent_by"
        case resentBy = "resent_by"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(pageID, forKey: .pageID)
        try container.encode(psid, forKey: .psid)
        try container.encodeOrNull(mid, forKey: .mid)
        try container.encode(direction, forKey: .direction)
        try container.encode(author, forKey: .author)
        try container.encode(content, forKey: .content)
        try container.encode(status, forKey: .status)
        try container.encodeOrNull(displayStatus, forKey: .displayStatus)
        try container.encodeOrNull(failure, forKey: .failure)
        try container.encode(attempts, forKey: .attempts)
        try container.encodeTime(createdAt, forKey: .createdAt)
        try container.encodeTime(sentAt, forKey: .sentAt)
        try container.encodeTime(deliveredAt, forKey: .deliveredAt)
        try container.encodeTime(seenAt, forKey: .seenAt)
        try container.encodeOrNull(sentBy, forKey: .sentBy)
        try container.encodeOrNull(resentBy, forKey: .resentBy)
    }
}

/// One page of a conversation: messages oldest first, and the cursor for older ones.
public struct MessagePage: Sendable, Hashable, Encodable {
    public var messages: [MessageResource]
    /// Pass as `before` to get the previous page; nil when there is none.
    public var nextBefore: Int64?

    public init(messages: [MessageResource], nextBefore: Int64?) {
        self.messages = messages
        self.nextBefore = nextBefore
    }

    enum CodingKeys: String, CodingKey {
        case messages
        case nextBefore = "next_before"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
        try container.encodeOrNull(nextBefore, forKey: .nextBefore)
    }
}
