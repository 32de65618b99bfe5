/// A customer's message (`message` without `is_echo`).
///
/// Codable with snake_case keys: this is the message content JSON Herald stores.
public struct InboundMessage: Sendable, Equatable, Codable {
    /// Meta's message id; the dedupe key.
    public var mid: String
    public var text: String?
    public var attachments: [Attachment]
    /// `quick_reply.payload`, when the customer tapped a quick reply.
    public var quickReplyPayload: String?
    /// `reply_to.mid`, when the customer replied to a specific message.
    public var replyToMID: String?

    public init(
        mid: String, text: String? = nil, attachments: [Attachment] = [], quickReplyPayload: String? = nil,
        replyToMID: String? = nil
    ) {
        self.mid = mid
        self.text = text
        self.attachments = attachments
        self.quickReplyPayload = quickReplyPayload
        self.replyToMID = replyToMID
    }

    enum CodingKeys: String, CodingKey {
        case mid, text, attachments
        case quickReplyPayload = "quick_reply_payload"
        case replyToMID = "reply_to_mid"
    }

    /// Missing `attachments` reads as none, so stored rows written without the key still decode.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mid = try container.decode(String.self, forKey: .mid)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        attachments = try container.decodeIfPresent([Attachment].self, forKey: .attachments) ?? []
        quickReplyPayload = try container.decodeIfPresent(String.self, forKey: .quickReplyPayload)
        replyToMID = try container.decodeIfPresent(String.self, forKey: .replyToMID)
    }
}

/// A message attachment: its `type` (image, audio, video, file, sticker, …) and `payload.url`.
public struct Attachment: Sendable, Equatable, Codable {
    /// Meta's type; "unknown" when the webhook gave none.
    public var type: String
    public var url: String?

    public init(type: String, url: String? = nil) {
        self.type = type
        self.url = url
    }
}

/// Something the page sent (`message` with `is_echo: true`): by Herald, another app or the Page inbox.
public struct Echo: Sendable, Equatable, Codable {
    public var mid: String
    /// The app that sent it; compare with Herald's own app id.
    public var appID: String?
    /// What the sender put in the send call; Herald puts its message id there.
    public var metadata: String?
    public var text: String?
    public var attachments: [Attachment]

    public init(
        mid: String, appID: String? = nil, metadata: String? = nil, text: String? = nil,
        attachments: [Attachment] = []
    ) {
        self.mid = mid
        self.appID = appID
        self.metadata = metadata
        self.text = text
        self.attachments = attachments
    }

    enum CodingKeys: String, CodingKey {
        case mid, metadata, text, attachments
        case appID = "app_id"
    }

    /// Missing `attachments` reads as none, as for `InboundMessage`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mid = try container.decode(String.self, forKey: .mid)
        appID = try container.decodeIfPresent(String.self, forKey: .appID)
        metadata = try container.decodeIfPresent(String.self, forKey: .metadata)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        attachments = try container.decodeIfPresent([Attachment].self, forKey: .attachments) ?? []
    }
}
