import Foundation
import Messenger

/// What a batch of webhook events changes, worked out without I/O.
///
/// Every effect is an aggregate that gives the same result whatever the order or repetition of
/// the events (min/max of timestamps, dedupe by `mid`, forward-only watermarks), so a batch can be
/// applied with a handful of set-based statements, and duplicates or reordering converge.
public struct IngestPlan: Sendable, Equatable {
    /// A customer's activity in this batch.
    public struct Activity: Sendable, Equatable {
        public var firstActiveAt: Int64
        public var lastActiveAt: Int64
        /// Latest message or postback: what (re)opens the 24-hour window.
        public var lastWindowAt: Int64?
    }

    /// A message to store once per `mid`.
    public struct StoredMessage: Sendable, Equatable {
        public var pageID: String
        public var psid: String
        public var mid: String
        public var content: [UInt8]
        public var timestamp: Int64
    }

    /// A customer, identified within a page.
    public struct CustomerKey: Sendable, Hashable, Comparable {
        public var pageID: String
        public var psid: String
        public static func < (a: CustomerKey, b: CustomerKey) -> Bool { (a.pageID, a.psid) < (b.pageID, b.psid) }
    }

    /// A forward-only watermark and the time of the newest event that carried it.
    public struct Watermark: Sendable, Equatable {
        public var watermark: Int64
        public var eventTime: Int64
    }

    public var activity: [CustomerKey: Activity] = [:]
    public var inboundMessages: [StoredMessage] = []
    /// Echoes of messages another app or the Page inbox sent: recorded as `bot` messages.
    public var foreignEchoes: [StoredMessage] = []
    /// Echoes of Herald's own sends (`herald:<id>` in metadata), by Herald's message id. They settle
    /// a send whose answer Herald never got (a timeout, a worker that died): docs/messenger.md.
    public var heraldEchoes: [Int64: StoredMessage] = [:]
    public var deliveries: [CustomerKey: Watermark] = [:]
    public var reads: [CustomerKey: Watermark] = [:]
    /// Newest receive time of a webhook per page.
    public var lastWebhookAt: [String: Date] = [:]
    /// Events that were read but changed nothing (unknown kinds), and events that could not be read.
    public var notes: [String] = []

    /// Every customer the batch touches (activity, messages, echoes, receipts), sorted: the set a
    /// per-batch follow-up (such as refreshing profiles) works on, in the order rows are locked.
    public var customers: [CustomerKey] {
        var keys = Set(activity.keys).union(deliveries.keys).union(reads.keys)
        for message in inboundMessages + foreignEchoes + heraldEchoes.values {
            keys.insert(CustomerKey(pageID: message.pageID, psid: message.psid))
        }
        return keys.sorted()
    }

    public init() {}

    /// Adds one decoded body received at `receivedAt`.
    public mutating func add(_ envelope: WebhookEnvelope, receivedAt: Date, heraldAppID: String? = nil) {
        notes += envelope.problems
        for entry in envelope.entries where !entry.pageID.isEmpty {
            lastWebhookAt[entry.pageID] = max(lastWebhookAt[entry.pageID] ?? receivedAt, receivedAt)
        }
        for event in envelope.events { add(event, heraldAppID: heraldAppID) }
    }

    mutating func add(_ event: MessagingEvent, heraldAppID: String?) {
        let key = CustomerKey(pageID: event.pageID, psid: event.customerPSID)
        if event.isCustomerInitiated { recordActivity(key, at: event.timestamp, opensWindow: event.opensWindow) }
        switch event.kind {
        case .message(let message):
            inboundMessages.append(
                StoredMessage(
                    pageID: key.pageID, psid: key.psid, mid: message.mid, content: message.storedJSON,
                    timestamp: event.timestamp))
        case .echo(let echo):
            // Herald's own sends carry `herald:<id>` in metadata; they are already stored.
            if let metadata = echo.metadata, metadata.hasPrefix(Self.heraldMetadataPrefix) {
                if let id = Int64(metadata.dropFirst(Self.heraldMetadataPrefix.count)), id > 0 {
                    heraldEchoes[id] = StoredMessage(
                        pageID: key.pageID, psid: key.psid, mid: echo.mid, content: [], timestamp: event.timestamp)
                }
                return
            }
            if let heraldAppID, echo.appID == heraldAppID { return }
            foreignEchoes.append(
                StoredMessage(
                    pageID: key.pageID, psid: key.psid, mid: echo.mid, content: echo.storedJSON,
                    timestamp: event.timestamp))
        case .delivery(let delivery):
            deliveries[key] = Self.forward(deliveries[key], delivery.watermark, event.timestamp)
        case .read(let read):
            reads[key] = Self.forward(reads[key], read.watermark, event.timestamp)
        case .postback, .reaction, .referral, .optin:
            break
        case .unknown(let keys):
            notes.append("unknown event kind with keys \(keys) ignored")
        }
    }

    /// Metadata Herald puts on every message it sends, so its echo is recognised.
    public static let heraldMetadataPrefix = "herald:"

    private mutating func recordActivity(_ key: CustomerKey, at time: Int64, opensWindow: Bool) {
        var current = activity[key] ?? Activity(firstActiveAt: time, lastActiveAt: time, lastWindowAt: nil)
        current.firstActiveAt = min(current.firstActiveAt, time)
        current.lastActiveAt = max(current.lastActiveAt, time)
        if opensWindow { current.lastWindowAt = max(current.lastWindowAt ?? time, time) }
        activity[key] = current
    }

    private static func forward(_ current: Watermark?, _ watermark: Int64, _ eventTime: Int64) -> Watermark {
        guard let current else { return Watermark(watermark: watermark, eventTime: eventTime) }
        return Watermark(watermark: max(current.watermark, watermark), eventTime: max(current.eventTime, eventTime))
    }
}
