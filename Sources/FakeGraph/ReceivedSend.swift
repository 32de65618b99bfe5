import Foundation

/// One send request `fake-graph` received, as `GET /_fake/requests` lists it. Holds no token:
/// only the scenario the token selected.
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

    enum CodingKeys: String, CodingKey {
        case sequence, time, page, version, recipient, tag, metadata, text, scenario, outcome, status
        case messagingType = "messaging_type"
        case attachmentType = "attachment_type"
        case attachmentURL = "attachment_url"
        case senderAction = "sender_action"
        case tokenScenario = "token_scenario"
        case appsecretProof = "appsecret_proof"
        case messageID = "message_id"
    }
}

/// Counts of answered sends, as `GET /_fake/stats` lists them.
public struct FakeGraphStats: Sendable, Hashable, Codable {
    /// Sends answered since start or the last clear.
    public var total: Int
    /// `ok` or a ``FakeGraphFailure`` raw value → count.
    public var byOutcome: [String: Int]
    /// Sends currently kept for `GET /_fake/requests`.
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
