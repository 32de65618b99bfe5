import Foundation

/// One page of stored webhooks, newest first, and the cursor for older ones.
public struct WebhookEventPage: Sendable, Hashable, Encodable {
    public var events: [WebhookEventResource]
    /// Pass as `before` to get the next (older) page; nil when there is none.
    public var nextBefore: Int64?

    public init(events: [WebhookEventResource], nextBefore: Int64?) {
        self.events = events
        self.nextBefore = nextBefore
    }

    enum CodingKeys: String, CodingKey {
        case events
        case nextBefore = "next_before"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(events, forKey: .events)
        try container.encodeOrNull(nextBefore, forKey: .nextBefore)
    }
}
