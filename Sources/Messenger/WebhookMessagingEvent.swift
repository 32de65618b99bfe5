/// One item of `entry[].messaging[]` or `entry[].standby[]`.
public struct MessagingEvent: Sendable, Equatable {
    /// The page the event belongs to (the entry's id).
    public var pageID: String
    /// `sender.id`: the customer's PSID, or the page for echoes.
    public var senderID: String
    /// `recipient.id`: the page, or the customer's PSID for echoes.
    public var recipientID: String
    /// Milliseconds since the epoch; order events by this, never by arrival.
    public var timestamp: Int64
    /// True when the event came from `entry[].standby[]` (a thread another app controls).
    public var isStandby: Bool
    /// What happened.
    public var kind: Kind

    /// The event kinds Herald reads; anything else is kept as `.unknown` so it can be counted.
    public enum Kind: Sendable, Equatable {
        case message(InboundMessage)
        case echo(Echo)
        case delivery(Delivery)
        case read(Read)
        case postback(Postback)
        case reaction(Reaction)
        case referral(Referral)
        case optin(Optin)
        /// Sorted keys of the event object other than sender/recipient/timestamp.
        case unknown(keys: [String])
    }

    public init(
        pageID: String, senderID: String, recipientID: String, timestamp: Int64, isStandby: Bool = false,
        kind: Kind
    ) {
        self.pageID = pageID
        self.senderID = senderID
        self.recipientID = recipientID
        self.timestamp = timestamp
        self.isStandby = isStandby
        self.kind = kind
    }

    /// True for message (not echo), postback, reaction, referral and optin: what the customer did,
    /// as opposed to what the page sent or Meta reports about it.
    public var isCustomerInitiated: Bool {
        switch kind {
        case .message, .postback, .reaction, .referral, .optin: true
        case .echo, .delivery, .read, .unknown: false
        }
    }

    /// The customer's PSID: the recipient for echoes (the page sent them), the sender otherwise
    /// (customer-initiated events, reads and deliveries, and unknown kinds, whose sender Meta
    /// documents as the person).
    public var customerPSID: String {
        if case .echo = kind { return recipientID }
        return senderID
    }

    /// True for message (not echo) and postback: the events that (re)open the 24-hour window.
    public var opensWindow: Bool {
        switch kind {
        case .message, .postback: true
        case .echo, .delivery, .read, .reaction, .referral, .optin, .unknown: false
        }
    }
}
