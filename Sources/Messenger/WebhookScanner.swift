/// A single pass over the bytes of a webhook body of the common shape, without Foundation.
///
/// Ingest decodes every stored body, and `JSONSerialization` (bridged objects, a dictionary per
/// object) was most of its CPU. Facebook's bodies nearly always have one shape: string ids,
/// integer millisecond times, and messages, echoes, postbacks, reads and deliveries. The scanner reads that
/// shape into the same `WebhookEnvelope` the general decoder gives, and gives up (`nil`) on
/// anything else — a number where an id belongs, a zero timestamp, an event kind it does not
/// read, a duplicate key, a `\u0000`, invalid UTF-8 — so the general, tolerant decoder stays the
/// one place that decides every odd case. `WebhookScannerTests` prove both give the same result.
struct WebhookScanner {
    /// Why scanning stopped: the body is outside the scanner's shape (or not JSON at all).
    struct GiveUp: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The envelope, or nil when the general decoder must decide.
    static func envelope(_ body: [UInt8]) -> WebhookEnvelope? {
        body.withUnsafeBufferPointer { buffer in
            var scanner = WebhookScanner(buffer)
            return try? scanner.readBody()
        }
    }

    private mutating func readBody() throws(GiveUp) -> WebhookEnvelope {
        var object: String?
        var entries: [WebhookEntry]?
        skipWhitespace()
        try readObject { scanner, key throws(GiveUp) in
            switch key {
            case Key.object:
                guard object == nil else { throw GiveUp() }
                object = try scanner.readString()
            case Key.entry:
                guard entries == nil else { throw GiveUp() }
                entries = []
                try scanner.readArray { scanner throws(GiveUp) in entries!.append(try scanner.readEntry()) }
            default: try scanner.skipValue(depth: 1)
            }
        }
        skipWhitespace()
        guard index == bytes.count, let object, let entries else { throw GiveUp() }
        return WebhookEnvelope(object: object, entries: entries)
    }

    private mutating func readEntry() throws(GiveUp) -> WebhookEntry {
        var pageID: String?
        var time: Int64?
        var messaging: [MessagingEvent]?
        var standby: [MessagingEvent]?
        var pending: [(event: PendingEvent, isStandby: Bool)] = []
        try readObject { scanner, key throws(GiveUp) in
            switch key {
            case Key.id:
                guard pageID == nil else { throw GiveUp() }
                pageID = try scanner.readIdentifier()
            case Key.time:
                guard time == nil else { throw GiveUp() }
                time = try scanner.readMilliseconds()
            case Key.messaging, Key.standby:
                let isStandby = key == Key.standby
                guard (isStandby ? standby : messaging) == nil else { throw GiveUp() }
                if isStandby { standby = [] } else { messaging = [] }
                try scanner.readArray { scanner throws(GiveUp) in pending.append((try scanner.readEvent(), isStandby)) }
            default: try scanner.skipValue(depth: 2)
            }
        }
        guard let pageID else { throw GiveUp() }
        // The general decoder lists messaging events before standby ones.
        let ordered = pending.filter { !$0.isStandby } + pending.filter(\.isStandby)
        let events = ordered.map { item in
            MessagingEvent(
                pageID: pageID, senderID: item.event.senderID, recipientID: item.event.recipientID,
                timestamp: item.event.timestamp, isStandby: item.isStandby, kind: item.event.kind)
        }
        return WebhookEntry(pageID: pageID, time: time, events: events)
    }

    /// An event before its entry's id is known (the id may come after the lists).
    private struct PendingEvent {
        var senderID: String
        var recipientID: String
        var timestamp: Int64
        var kind: MessagingEvent.Kind
    }

    private mutating func readEvent() throws(GiveUp) -> PendingEvent {
        var sender: String?
        var recipient: String?
        var timestamp: Int64?
        var kind: MessagingEvent.Kind?
        try readObject { scanner, key throws(GiveUp) in
            switch key {
            case Key.sender:
                guard sender == nil else { throw GiveUp() }
                sender = try scanner.readParty()
            case Key.recipient:
                guard recipient == nil else { throw GiveUp() }
                recipient = try scanner.readParty()
            case Key.timestamp:
                guard timestamp == nil else { throw GiveUp() }
                timestamp = try scanner.readMilliseconds()
            case Key.message:
                guard kind == nil else { throw GiveUp() }
                kind = try scanner.readMessage()
            case Key.delivery:
                guard kind == nil else { throw GiveUp() }
                kind = try scanner.readReceipt(isRead: false)
            case Key.read:
                guard kind == nil else { throw GiveUp() }
                kind = try scanner.readReceipt(isRead: true)
            case Key.postback:
                guard kind == nil else { throw GiveUp() }
                kind = try scanner.readPostback()
            default:
                // Other kinds, and the rules for events with two kinds, are the general decoder's.
                throw GiveUp()
            }
        }
        // A zero time is read from the watermark or the entry's time: the general decoder's rule.
        guard let sender, let recipient, let timestamp, timestamp > 0, let kind else { throw GiveUp() }
        return PendingEvent(senderID: sender, recipientID: recipient, timestamp: timestamp, kind: kind)
    }

    /// `sender` / `recipient`: an object with a string `id`.
    private mutating func readParty() throws(GiveUp) -> String {
        var id: String?
        try readObject { scanner, key throws(GiveUp) in
            if key == Key.id {
                guard id == nil else { throw GiveUp() }
                id = try scanner.readIdentifier()
            } else {
                try scanner.skipValue(depth: 4)
            }
        }
        guard let id else { throw GiveUp() }
        return id
    }

    private mutating func readMessage() throws(GiveUp) -> MessagingEvent.Kind {
        var fields = MessageFields()
        try readObject { scanner, key throws(GiveUp) in try scanner.readMessageField(key, into: &fields) }
        guard let mid = fields.mid else { throw GiveUp() }
        if fields.isEcho == true {
            return .echo(
                Echo(
                    mid: mid, appID: fields.appID, metadata: fields.metadata, text: fields.text,
                    attachments: fields.attachments ?? []))
        }
        return .message(
            InboundMessage(
                mid: mid, text: fields.text, attachments: fields.attachments ?? [],
                quickReplyPayload: fields.quickReplyPayload, replyToMID: fields.replyToMID))
    }

    private mutating func readReceipt(isRead: Bool) throws(GiveUp) -> MessagingEvent.Kind {
        var watermark: Int64?
        var mids: [String]?
        try readObject { scanner, key throws(GiveUp) in
            switch key {
            case Key.watermark:
                guard watermark == nil else { throw GiveUp() }
                watermark = try scanner.readMilliseconds()
            case Key.mids where !isRead:
                guard mids == nil else { throw GiveUp() }
                mids = []
                try scanner.readArray { scanner throws(GiveUp) in mids!.append(try scanner.readIdentifier()) }
            default: try scanner.skipValue(depth: 4)
            }
        }
        guard let watermark else { throw GiveUp() }
        return isRead ? .read(Read(watermark: watermark)) : .delivery(Delivery(watermark: watermark, mids: mids ?? []))
    }
}
