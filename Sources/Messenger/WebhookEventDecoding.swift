import Foundation

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
    ///
    /// Facebook has sent events with `"timestamp": 0`. A time of 0 (or none) is unknown, never
    /// 1970: a receipt takes its watermark, anything else the entry's `time` (`entryTime`).
    static func decode(
        _ value: Any, pageID: String, isStandby: Bool, entryTime: Int64?
    ) throws(WebhookEventProblem) -> MessagingEvent {
        guard let event = WebhookJSON.object(value) else { throw WebhookEventProblem("not an object") }
        guard let senderID = WebhookJSON.identifier(WebhookJSON.object(event["sender"])?["id"]) else {
            throw WebhookEventProblem("no sender.id")
        }
        guard let recipientID = WebhookJSON.identifier(WebhookJSON.object(event["recipient"])?["id"]) else {
            throw WebhookEventProblem("no recipient.id")
        }
        let kind = try Kind.decode(event)
        let timestamp: Int64
        if event["timestamp"] == nil || event["timestamp"] is NSNull
            || WebhookJSON.milliseconds(event["timestamp"]) == 0
        {
            guard let known = known(kind.watermark) ?? known(entryTime) else {
                throw WebhookEventProblem("no timestamp")
            }
            timestamp = known
        } else {
            // Present but unreadable or out of range (before 1970, after 9999): not a time at all.
            guard let given = WebhookJSON.milliseconds(event["timestamp"]) else {
                throw WebhookEventProblem("no timestamp")
            }
            timestamp = given
        }
        return MessagingEvent(
            pageID: pageID, senderID: senderID, recipientID: recipientID, timestamp: timestamp,
            isStandby: isStandby, kind: kind)
    }

    /// A time that says something: 0 (the epoch) is what a missing time looks like on the wire.
    private static func known(_ milliseconds: Int64?) -> Int64? {
        milliseconds.flatMap { $0 > 0 ? $0 : nil }
    }
}

extension MessagingEvent.Kind {
    /// A receipt's watermark; nil for every other kind.
    var watermark: Int64? {
        switch self {
        case .delivery(let delivery): delivery.watermark
        case .read(let read): read.watermark
        default: nil
        }
    }

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
                Delivery(
                    watermark: try watermark(delivery, "delivery"), mids: WebhookJSON.identifiers(delivery["mids"])))
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
