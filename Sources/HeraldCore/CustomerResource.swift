import Foundation

/// A customer of a page as `/v1` answers it.
public struct CustomerResource: Sendable, Hashable, Encodable {
    public var pageID: String
    public var psid: String
    /// First and last name joined and trimmed (`GraphUserProfile.Profile.name`); nil without a profile.
    public var name: String?
    public var firstName: String?
    public var lastName: String?
    /// Graph's CDN URL of the picture (it expires after some days; refreshed with the profile).
    public var profilePic: String?
    public var profileStatus: ProfileStatus
    public var firstActiveAt: Date?
    public var lastActiveAt: Date?
    public var totalMessages: Int
    /// No activity for over 24 hours (see `CustomerActivity.isInactiveOver24h`).
    public var inactiveOver24h: Bool
    /// When the 24-hour messaging window closes (or closed); nil when the customer never wrote.
    public var windowClosesAt: Date?
    /// The customer's messages since a supporter last marked the conversation seen (all of them
    /// when nobody has yet).
    public var unread: Int

    public init(
        pageID: String, psid: String, firstActiveAt: Date?, lastActiveAt: Date?, totalMessages: Int,
        inactiveOver24h: Bool, windowClosesAt: Date?, unread: Int = 0, profile: Profile = Profile()
    ) {
        self.name = profile.name
        self.firstName = profile.firstName
        self.lastName = profile.lastName
        self.profilePic = profile.profilePic
        self.profileStatus = profile.status
        self.unread = unread
        self.pageID = pageID
        self.psid = psid
        self.firstActiveAt = firstActiveAt
        self.lastActiveAt = lastActiveAt
        self.totalMessages = totalMessages
        self.inactiveOver24h = inactiveOver24h
        self.windowClosesAt = windowClosesAt
    }

    enum CodingKeys: String, CodingKey {
        case pageID = "page_id"
        case psid
        case name
        case firstName = "first_name"
        case lastName = "last_name"
        case profilePic = "profile_pic"
        case profileStatus = "profile_status"
        case firstActiveAt = "first_active_at"
        case lastActiveAt = "last_active_at"
        case totalMessages = "total_messages"
        case inactiveOver24h = "inactive_over_24h"
        case windowClosesAt = "window_closes_at"
        case unread
    }

    /// The profile part of a customer, as stored.
    public struct Profile: Sendable, Hashable {
        public var name: String?
        public var firstName: String?
        public var lastName: String?
        public var profilePic: String?
        public var status: ProfileStatus

        public init(
            name: String? = nil, firstName: String? = nil, lastName: String? = nil, profilePic: String? = nil,
            status: ProfileStatus = .pending
        ) {
            self.name = name
            self.firstName = firstName
            self.lastName = lastName
            self.profilePic = profilePic
            self.status = status
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pageID, forKey: .pageID)
        try container.encode(psid, forKey: .psid)
        try container.encodeOrNull(name, forKey: .name)
        try container.encodeOrNull(firstName, forKey: .firstName)
        try container.encodeOrNull(lastName, forKey: .lastName)
        try container.encodeOrNull(profilePic, forKey: .profilePic)
        try container.encode(profileStatus, forKey: .profileStatus)
        try container.encodeTime(firstActiveAt, forKey: .firstActiveAt)
        try container.encodeTime(lastActiveAt, forKey: .lastActiveAt)
        try container.encode(totalMessages, forKey: .totalMessages)
        try container.encode(inactiveOver24h, forKey: .inactiveOver24h)
        try container.encodeTime(windowClosesAt, forKey: .windowClosesAt)
        try container.encode(unread, forKey: .unread)
    }
}

/// The `unread` column of a customer query over `customers c`: the customer's messages Herald
/// recorded after a supporter last saw the conversation (`messages_conversation` serves it).
let unreadColumn = """
    (SELECT count(*) FROM messages m
     WHERE m.page_id = c.page_id AND m.psid = c.psid AND m.direction = \(MessageDirection.inbound.sql)
       AND (c.last_seen_by_supporter_at IS NULL OR m.created_at > c.last_seen_by_supporter_at)) AS unread
    """

/// The 24-hour rules about a customer's activity.
public enum CustomerActivity {
    /// Both the messaging window and the inactivity threshold.
    public static let day: TimeInterval = 24 * 60 * 60

    /// When the window opened by the latest customer `message` or `postback` closes.
    public static func windowClosesAt(lastMessageAt: Date?) -> Date? {
        lastMessageAt?.addingTimeInterval(day)
    }

    /// Inactive for over 24 hours: a `customer_inactive` notification is active, or the moment it
    /// is due has passed and the scheduled job simply has not raised it yet.
    public static func isInactiveOver24h(lastActiveAt: Date?, activeNotification: Bool, now: Date) -> Bool {
        if activeNotification { return true }
        guard let lastActiveAt else { return false }
        return now >= lastActiveAt.addingTimeInterval(day)
    }
}
