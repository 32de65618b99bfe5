import Foundation
import Messenger

/// One Graph call `fake-graph` received, as `GET /_fake/requests` lists it: a send
/// (`endpoint` `messages`) or a page subscription (`subscribed_apps`). Holds no token: only the
/// scenario the token selected and a digest that tells tokens apart (``tokenDigest(of:)``).
public struct ReceivedSend: Sendable, Hashable, Codable {
    /// 1-based arrival order since start (not reset by clearing).
    public var sequence: Int
    /// When it arrived; milliseconds since the epoch in JSON.
    public var time: Date
    /// The path's page component: `me` or a page id.
    public var page: String
    /// The path's version, e.g. `v25.0`.
    public var version: String
    /// `recipient.id`; `nil` when the body had none.
    public var recipient: String?
    public var messagingType: String?
    public var tag: String?
    public var metadata: String?
    public var text: String?
    /// `message.attachment.type`.
    public var attachmentType: String?
    public var attachmentURL: String?
    public var senderAction: String?
    /// The scenario the access token selected: `valid`, `missing-token`, `expired`, …
    public var tokenScenario: String
    /// Whether `appsecret_proof` was sent.
    public var appsecretProof: Bool
    /// The scenario chosen for the whole request (`ok`, `flaky-3`, `outside-window`, …).
    public var scenario: String
    /// `ok`, or the ``FakeGraphFailure`` raw value that was answered.
    public var outcome: String
    /// The HTTP status answered.
    public var status: Int
    /// The `message_id` answered, on success.
    public var messageID: String?
    /// The path's last component: `messages` (a send) or `subscribed_apps`.
    public var endpoint: String = "messages"
    /// `subscribed_fields` of a subscription, split at commas; nil for sends and when absent.
    public var subscribedFields: [String]?
    /// ``tokenDigest(of:)`` of the `access_token`; nil without one.
    public var tokenDigest: String?

    /// Lowercase hex of HMAC-SHA256(key: `fake-graph`, message: token): which token a call
    /// carried, for tests that compute it from the token they used, without keeping the token.
    public static func tokenDigest(of token: String) -> String {
        GraphSendRequest.appSecretProof(accessToken: token, appSecret: Array("fake-graph".utf8))
    }

    /// ``endpoint`` of a send.
    public static let messages = "messages"
    /// ``endpoint`` of a page subscription.
    public static let subscribedApps = "subscribed_apps"

    enum CodingKeys: String, CodingKey {
        case sequence, time, page, version, recipient, tag, metadata, text, scenario, outcome, status, endpoint
        case messagingType = "messaging_type"
        case attachmentType = "attachment_type"
        case attachmentURL = "attachment_url"
        case senderAction = "sender_action"
        case tokenScenario = "token_scenario"
        case appsecretProof = "appsecret_proof"
        case messageID = "message_id"
        case subscribedFields = "subscribed_fields"
        case tokenDigest = "token_digest"
    }
}

/// Counts of answered calls (sends and subscriptions), as `GET /_fake/stats` lists them.
public struct FakeGraphStats: Sendable, Hashable, Codable {
    /// Calls answered since start or the last clear.
    public var total: Int
    /// `ok` or a ``FakeGraphFailure`` raw value → count.
    public var byOutcome: [String: Int]
    /// Calls currently kept for `GET /_fake/requests`.
    public var recorded: Int

    public init(total: Int = 0, byOutcome: [String: Int] = [:], recorded: Int = 0) {
        self.total = total
        self.byOutcome = byOutcome
        self.recorded = recorded
    }

    enum CodingKeys: String, CodingKey {
        case total, recorded
        case byOutcome = "by_outcome"
    }
}
