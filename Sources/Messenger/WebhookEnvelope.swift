import Foundation

/// A decoded `POST /webhook` body: `{"object": "page", "entry": [...]}`.
///
/// Decoding is tolerant by design: Meta batches many events per body, and one unreadable event must
/// not cost the others (the whole body would be retried, then dropped). Unreadable events are left
/// out and described in `problems`.
public struct WebhookEnvelope: Sendable, Equatable {
    /// The subscription object, e.g. "page" or "instagram"; "" when absent or not a string.
    public var object: String
    /// The entries with an id, in body order.
    public var entries: [WebhookEntry]
    /// Events that could not be read (e.g. no sender id, no timestamp), each with where and why; the
    /// rest still decode. Example: "entry 0 messaging 2: no sender.id".
    public var problems: [String]

    public init(object: String, entries: [WebhookEntry], problems: [String] = []) {
        self.object = object
        self.entries = entries
        self.problems = problems
    }

    /// True when `object == "page"`: only those bodies are processed; others are stored as they are.
    public var isPage: Bool { object == "page" }

    /// Every event of every entry (messaging and standby), in body order.
    public var events: [MessagingEvent] { entries.flatMap(\.events) }

    /// Decodes a raw body. Throws only when the body as a whole is unusable: not JSON, not an
    /// object, `entry` missing or not an array.
    ///
    /// Bodies of the common shape are read by `WebhookScanner` in one pass; every other body by
    /// the general decoder, which gives the same result for the common shape.
    public static func decode(_ body: [UInt8]) throws(WebhookDecodingError) -> WebhookEnvelope {
        if let envelope = WebhookScanner.envelope(body) { return envelope }
        return try decodeAnyShape(body)
    }

    /// The common shape only, without Foundation: nil for any body `decodeAnyShape` must read.
    public static func scanCommonShape(_ body: [UInt8]) -> WebhookEnvelope? { WebhookScanner.envelope(body) }

    /// The general, tolerant decoder (over `JSONSerialization`): every shape and every odd case.
    public static func decodeAnyShape(_ body: [UInt8]) throws(WebhookDecodingError) -> WebhookEnvelope {
        let json: Any
        do {
            // JSONSerialization rejects invalid UTF-8 and caps nesting (512 levels), so hostile
            // bodies fail here instead of exhausting the stack. Fragments are allowed so that a bare
            // `"x"` is reported as "not a JSON object" rather than "not JSON".
            json = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw .notJSON
        }
        guard let root = json as? [String: Any] else { throw .notAnObject }
        guard let list = root["entry"] as? [Any] else { throw .entryNotAnArray }

        var problems: [String] = []
        var entries: [WebhookEntry] = []
        entries.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            if let entry = WebhookEntry.decode(item, index: index, problems: &problems) {
                entries.append(entry)
            }
        }
        return WebhookEnvelope(object: WebhookJSON.text(root["object"]) ?? "", entries: entries, problems: problems)
    }
}
