/// `delivery`: every message the page sent before `watermark` has been delivered.
public struct Delivery: Sendable, Equatable {
    /// Milliseconds since the epoch.
    public var watermark: Int64
    /// The delivered message ids; Meta may leave them out, so the watermark is what counts.
    public var mids: [String]

    public init(watermark: Int64, mids: [String] = []) {
        self.watermark = watermark
        self.mids = mids
    }
}

/// `read`: every message the page sent at or before `watermark` has been seen.
public struct Read: Sendable, Equatable {
    /// Milliseconds since the epoch.
    public var watermark: Int64

    public init(watermark: Int64) {
        self.watermark = watermark
    }
}

/// `postback`: the customer tapped a button.
public struct Postback: Sendable, Equatable, Codable {
    public var mid: String?
    public var title: String?
    public var payload: String?

    public init(mid: String? = nil, title: String? = nil, payload: String? = nil) {
        self.mid = mid
        self.title = title
        self.payload = payload
    }
}

/// `reaction`: the customer reacted to (or un-reacted from) the message `mid`.
public struct Reaction: Sendable, Equatable, Codable {
    public var mid: String?
    /// Meta's name for it, e.g. "love".
    public var reaction: String?
    public var emoji: String?
    /// "react" or "unreact".
    public var action: String?

    public init(mid: String? = nil, reaction: String? = nil, emoji: String? = nil, action: String? = nil) {
        self.mid = mid
        self.reaction = reaction
        self.emoji = emoji
        self.action = action
    }
}

/// `referral`: the customer arrived through an ad, an m.me link or a plugin.
public struct Referral: Sendable, Equatable, Codable {
    public var ref: String?
    public var source: String?
    public var type: String?

    public init(ref: String? = nil, source: String? = nil, type: String? = nil) {
        self.ref = ref
        self.source = source
        self.type = type
    }
}

/// `optin`: the customer opted in through a plugin or a notification request.
public struct Optin: Sendable, Equatable, Codable {
    public var ref: String?
    public var type: String?
    public var payload: String?

    public init(ref: String? = nil, type: String? = nil, payload: String? = nil) {
        self.ref = ref
        self.type = type
        self.payload = payload
    }
}
