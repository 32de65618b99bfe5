import Foundation

/// A stored webhook as `/admin/webhook-events` lists it: its bookkeeping and which pages it was
/// for, never its body (`GET /admin/webhook-events/{id}` adds that).
public struct WebhookEventResource: Sendable, Hashable, Encodable {
    public var id: Int64
    public var receivedAt: Date
    public var state: WebhookEventState
    public var attempts: Int
    /// Why processing failed or parked it, or what it skipped; nil when nothing was noted.
    public var lastError: String?
    /// `entry[].id` of the body, read best-effort (`WebhookEnvelope.pageIDs`); empty when unreadable.
    public var pageIDs: [String]
    /// The stored body's length in bytes.
    public var sizeBytes: Int

    public init(
        id: Int64, receivedAt: Date, state: WebhookEventState, attempts: Int, lastError: String?, pageIDs: [String],
        sizeBytes: Int
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.pageIDs = pageIDs
        self.sizeBytes = sizeBytes
    }

    enum CodingKeys: String, CodingKey {
        case id
        case receivedAt = "received_at"
        case state, attempts
        case lastError = "last_error"
        case pageIDs = "page_ids"
        case sizeBytes = "size_bytes"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeTime(receivedAt, forKey: .receivedAt)
        try container.encode(state, forKey: .state)
        try container.encode(attempts, forKey: .attempts)
        try container.encodeOrNull(lastError, forKey: .lastError)
        try container.encode(pageIDs, forKey: .pageIDs)
        try container.encode(sizeBytes, forKey: .sizeBytes)
    }
}
