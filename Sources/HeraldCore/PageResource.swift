import Foundation

/// A page as `/admin/pages` answers it; never its access token.
public struct PageResource: Sendable, Hashable, Encodable {
    public var id: String
    public var name: String?
    /// `valid`, `expired`, or `not_connected` (known from webhooks only, no token).
    public var tokenStatus: String
    public var tokenEncrypted: Bool
    public var expiredAt: Date?
    public var connectedAt: Date?
    public var reconnectedAt: Date?
    public var lastWebhookAt: Date?
    public var humanAgentEnabled: Bool
    /// Failed outbound messages of the page, by failure reason.
    public var failed: [String: Int]
    /// The webhook fields Graph confirmed subscribing the app to for the current connection;
    /// nil until it did (in progress, failed, or a page Herald never subscribed).
    public var subscribedFields: [String]?
    /// Why the last subscription attempt failed (Graph's message, or Herald's note when Graph
    /// could not be reached); nil when subscribed or still in progress.
    public var subscriptionError: String?

    enum CodingKeys: String, CodingKey {
        case id, name
        case tokenStatus = "token_status"
        case tokenEncrypted = "token_encrypted"
        case expiredAt = "expired_at"
        case connectedAt = "connected_at"
        case reconnectedAt = "reconnected_at"
        case lastWebhookAt = "last_webhook_at"
        case humanAgentEnabled = "human_agent_enabled"
        case failed
        case subscribedFields = "subscribed_fields"
        case subscriptionError = "subscription_error"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeOrNull(name, forKey: .name)
        try container.encode(tokenStatus, forKey: .tokenStatus)
        try container.encode(tokenEncrypted, forKey: .tokenEncrypted)
        try container.encodeTime(expiredAt, forKey: .expiredAt)
        try container.encodeTime(connectedAt, forKey: .connectedAt)
        try container.encodeTime(reconnectedAt, forKey: .reconnectedAt)
        try container.encodeTime(lastWebhookAt, forKey: .lastWebhookAt)
        try container.encode(humanAgentEnabled, forKey: .humanAgentEnabled)
        try container.encode(failed, forKey: .failed)
        try container.encodeOrNull(subscribedFields, forKey: .subscribedFields)
        try container.encodeOrNull(subscriptionError, forKey: .subscriptionError)
    }
}

/// What connecting a page did: the page as it is now, and how many messages were requeued.
public struct PageConnection: Sendable, Hashable, Encodable {
    public var page: PageResource
    public var requeued: Int
    /// What the caller subscribes with, when the connection asked for a subscription (never
    /// encoded: it holds the token).
    public var subscription: PageSubscription.Target?

    enum CodingKeys: String, CodingKey {
        case page, requeued
    }
}
