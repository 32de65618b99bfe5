/// One stored webhook with its body (`GET /admin/webhook-events/{id}`).
public struct WebhookEventDetail: Sendable, Hashable {
    public var event: WebhookEventResource
    public var body: WebhookEventBody

    public init(event: WebhookEventResource, body: WebhookEventBody) {
        self.event = event
        self.body = body
    }
}
