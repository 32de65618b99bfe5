import Foundation

/// A notification as `/v1/notifications` (active ones) and `/v1/stream` answer it.
public struct NotificationResource: Sendable, Hashable, Encodable {
    public var id: Int64
    public var kind: String
    public var pageID: String
    public var psid: String
    public var raisedAt: Date
    /// When new activity cleared it; nil while active.
    public var clearedAt: Date?

    public init(id: Int64, kind: String, pageID: String, psid: String, raisedAt: Date, clearedAt: Date? = nil) {
        self.id = id
        self.kind = kind
        self.pageID = pageID
        self.psid = psid
        self.raisedAt = raisedAt
        self.clearedAt = clearedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind
        case pageID = "page_id"
        case psid
        case raisedAt = "raised_at"
        case clearedAt = "cleared_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(pageID, forKey: .pageID)
        try container.encode(psid, forKey: .psid)
        try container.encodeTime(raisedAt, forKey: .raisedAt)
        try container.encodeTime(clearedAt, forKey: .clearedAt)
    }
}

/// One page of active notifications, newest first, and the cursor for older ones.
public struct NotificationPage: Sendable, Hashable, Encodable {
    public var notifications: [NotificationResource]
    /// Pass as `before` to get the next (older) page; nil when there is none.
    public var nextBefore: Int64?

    public init(notifications: [NotificationResource], nextBefore: Int64?) {
        self.notifications = notifications
        self.nextBefore = nextBefore
    }

    enum CodingKeys: String, CodingKey {
        case notifications
        case nextBefore = "next_before"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(notifications, forKey: .notifications)
        try container.encodeOrNull(nextBefore, forKey: .nextBefore)
    }
}
