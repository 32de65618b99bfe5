/// A message's stored status (`messages.status`): the closed set of `sql/0001_initial.sql`'s CHECK.
///
/// Every SQL statement names statuses through `sql` (never a `'queued'` typed by hand), so the
/// set and its meaning live here; `RepositoryTests` greps the other sources to keep it so.
public enum MessageStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// An inbound message as stored.
    case received
    /// Outbound, waiting for its first attempt (or between attempts after a transient failure).
    case queued
    /// Outbound, an attempt of a message that never failed is in flight.
    case sending
    /// Graph accepted it (`mid` set).
    case sent
    case delivered
    case seen
    case failed
    /// A failed message requeued by a supporter or a trigger, until it is sent or fails again —
    /// also while its new attempt is in flight.
    case resend

    /// Outbound messages that still wait for Graph: a send job may start (or restart) them.
    public static let pending: [MessageStatus] = [.queued, .resend, .sending]
    /// Statuses of a message Graph accepted.
    public static let successful: [MessageStatus] = [.sent, .delivered, .seen]

    /// The status an attempt leaves while it is in flight: a requeued message keeps showing
    /// `resend`; any other pending message is `sending`.
    public var whileInFlight: MessageStatus { self == .resend ? .resend : .sending }

    /// The statuses each one may move to (the product's transition table). Nothing moves back
    /// from `sent`, `delivered` or `seen` except forward along watermarks.
    public static let transitions: [MessageStatus: Set<MessageStatus>] = [
        .received: [],
        // An echo settles a message without a mid; stored watermarks may then make it seen.
        .queued: [.sending, .sent, .delivered, .seen, .failed],
        .sending: [.sending, .queued, .sent, .delivered, .seen, .failed],
        .resend: [.resend, .sent, .delivered, .seen, .failed],
        .sent: [.delivered, .seen],
        .delivered: [.seen],
        .seen: [],
        .failed: [.resend, .sent, .delivered, .seen],
    ]

    /// Whether moving from `self` to `next` is allowed (staying put always is).
    public func mayBecome(_ next: MessageStatus) -> Bool {
        next == self || Self.transitions[self, default: []].contains(next)
    }

    /// The status as a SQL string literal, e.g. `'queued'`.
    public var sql: String { "'\(rawValue)'" }
}

/// `messages.direction`.
public enum MessageDirection: String, Sendable, Hashable, CaseIterable, Codable {
    case inbound
    case outbound

    /// The direction as a SQL string literal.
    public var sql: String { "'\(rawValue)'" }
}

/// `messages.author`: who wrote a message.
public enum MessageAuthor: String, Sendable, Hashable, CaseIterable, Codable {
    case customer
    /// A person of the support team, through `/v1`.
    case supporter
    /// Another app or the Page inbox (an echo Herald did not send).
    case bot

    /// The author as a SQL string literal.
    public var sql: String { "'\(rawValue)'" }
}

/// A stored value outside its type's closed set: the schema's CHECK makes it impossible, so
/// reading one means the schema and this code disagree.
public struct UnexpectedStoredValue: Error, CustomStringConvertible {
    public var column: String
    public var value: String

    public var description: String { "\(column) holds '\(value)', which this version of Herald does not know" }
}

extension RawRepresentable where RawValue == String {
    /// Reads a value stored in `column`, throwing for one outside the closed set.
    public init(stored value: String, column: String) throws {
        guard let known = Self(rawValue: value) else { throw UnexpectedStoredValue(column: column, value: value) }
        self = known
    }
}

extension Sequence where Element == MessageStatus {
    /// A SQL list for `IN`, e.g. `('queued', 'resend', 'sending')`.
    public var sql: String { "(" + map(\.sql).joined(separator: ", ") + ")" }
}
