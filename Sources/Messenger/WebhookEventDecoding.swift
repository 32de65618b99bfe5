/// Why one event was skipped; becomes a line of `WebhookEnvelope.problems`.
struct WebhookEventProblem: Error {
    var reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}

extension MessagingEvent {
    /// Reads one `messaging[]`/`standby[]` item.
    ///
    /// Throws when the item lacks what every consumer relies on (who, to whom, when, and a `mid` for
    /// messages and a watermark for receipts); the caller records the reason and moves on.
    static func decode(_ value: Any, pageID: String, isStandby: Bool) throws(WebhookEventProblem) -> MessagingEvent {
        guard let event = WebhookJSON.object(value) else { throw WebhookEventProblem("not an object") }
        guard let senderID = WebhookJSON.identifier(WebhookJSON.object(event["sender"])?["id"]) else {
            throw WebhookEventProblem("no sender.id")
        }
        guard let recipientID = WebhookJSON.identifier(WebhookJSON.object(event["recipient"])?["id"]) else {
            throw WebhookEventProblem("no recipient.id")
        }
        guard let timestamp = WebhookJSON.milliseconds(event["timestamp"]) else {
            throw WebhookEventProblem("no timestamp")
        }
        return MessagingEvent(
            pageID: pageID, senderID: senderID, recipientID: recipientID, timestamp: timestamp,
            isStandby: isStandby, kind: try Kind.decode(event))
    }
}

extension MessagingEvent.Kind {
    /// The keys every event has; the rest name its kind.
    private static let commonKeys: Set<String> = ["sender", "recipient", "timestamp"]

    /// Picks the kind from the first known key present. `message` comes first: should an event ever
    /// carry two kind keys, the customer's words are what must not be lost.
    static func decode(_ event: [String: Any]) throws(WebhookEventProblem) -> Self {
        if let value = event["message"] { return try message(payload(value, "message")) }
        if let value = event["postback"] {
            let postback = try payload(value, "postback")
            return .postback(
                Postback(
                    mid: WebhookJSON.identifier(postback["mid"]), title: WebhookJSON.text(postback["title"]),
                    payload: WebhookJSON.text(postback["payload"])))
        }
        if let value = event["reaction"] {
            let reaction = try payload(value, "reaction")
            return .reaction(
                Reaction(
                    mid: WebhookJSON.identifier(reaction["mid"]), reaction: WebhookJSON.text(reaction["reaction"]),
                    emoji: WebhookJSON.text(reaction["emoji"]), action: WebhookJSON.text(reaction["action"])))
        }
        if let value = event["delivery"] {
            let delivery = try payload(value, "delivery")
            return .delivery(
                Delivery(watermark: try watermark(delivery, "delivery"), mids: WebhookJSON.identifiers(delivery["mids"])))
        }
        if let value = event["read"] {
            return .read(Read(watermark: try watermark(payload(value, "read"), "read")))
        }
        if let value = event["referral"] {
            let referral = try payload(value, "referral")
            return .referral(
                Referral(
                    ref: WebhookJSON.text(referral["ref"]), source: WebhookJSON.text(referral["source"]),
                    type: WebhookJSON.text(referral["type"])))
        }
        if let value = event["optin"] {
            let optin = try payload(value, "optin")
            return .optin(
                Optin(
                    ref: WebhookJSON.text(optin["ref"]), type: WebhookJSON.text(optin["type"]),
                    payload: WebhookJSON.text(optin["payload"])))
        }
        return .unknown(keys: event.keys.filter { !commonKeys.contains($0) }.sorted())
    }

    /// `message`, echo or not: both need a `mid`, the dedupe key.
    private static func message(_ message: [String: Any]) throws(WebhookEventProblem) -> Self {
        guard let mid = WebhookJSON.identifier(message["mid"]) else { throw WebhookEventProblem("message without mid") }
        let text = WebhookJSON.text(message["text"])
        let attachments = (message["attachments"] as? [Any] ?? []).compactMap(attachment)
        if WebhookJSON.flag(message["is_echo"]) {
            return .echo(
                Echo(
                    mid: mid, appID: WebhookJSON.identifier(message["app_id"]),
                    metadata: WebhookJSON.text(message["metadata"]), text: text, attachments: attachments))
        }
        return .message(
            InboundMessage(
                mid: mid, text: text, attachments: attachments,
                quickReplyPayload: WebhookJSON.text(WebhookJSON.object(message["quick_reply"])?["payload"]),
                replyToMID: WebhookJSON.identifier(WebhookJSON.object(message["reply_to"])?["mid"])))
    }

    /// An attachment object; items that are not objects are dropped (there is nothing to show).
    private static func attachment(_ value: Any) -> Attachment? {
        guard let attachment = WebhookJSON.object(value) else { return nil }
        return Attachment(
            type: WebhookJSON.text(attachment["type"]) ?? "unknown",
            url: WebhookJSON.text(WebhookJSON.object(attachment["payload"])?["url"]))
    }

    private static func payload(_ value: Any, _ key: String) throws(WebhookEventProblem) -> [String: Any] {
        guard let object = WebhookJSON.object(value) else { throw WebhookEventProblem("\(key) is not an object") }
        return object
    }

    /// Receipts without a watermark say nothing usable: Meta may omit `mids`, never the watermark.
    private static func watermark(_ receipt: [String: Any], _ key: String) throws(WebhookEventProblem) -> Int64 {
        guard let watermark = WebhookJSON.milliseconds(receipt["watermark"]) else {
            throw WebhookEventProblem("\(key) without watermark")
        }
        return watermark
    }
}
