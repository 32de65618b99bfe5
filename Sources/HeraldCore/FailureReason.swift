import Messenger

/// Why an outbound message failed: docs/design.md's failure table, a closed set.
///
/// The same type as Messenger's `GraphFailureKind` (the classifier produces it), so a Graph
/// failure is recorded without translation. The raw values are the API's and the
/// `messages.failure_reason` column's spelling.
public typealias FailureReason = GraphFailureKind

extension GraphFailureKind {
    /// Reads a stored reason; anything unrecognised is `unknown` (the column's CHECK makes that
    /// impossible today, but a read must never fail over it).
    public init(stored: String) {
        self = GraphFailureKind(rawValue: stored) ?? .unknown
    }

    /// Whether Herald retries on its own: with backoff for transient Graph errors, or when a
    /// trigger (URL released, page reconnected) requeues the message.
    public var retriedAutomatically: Bool {
        switch self {
        case .rateLimited, .graphUnavailable, .urlBlacklisted, .tokenExpired: true
        case .invalidFormat, .fileTooLarge, .outsideWindow, .recipientUnavailable, .unknown: false
        }
    }

    /// Transient Graph conditions that are retried with backoff before the message fails.
    public var isTransient: Bool { self == .rateLimited || self == .graphUnavailable }

    /// The reason as a SQL string literal, e.g. `'token_expired'` (SQL names reasons through it).
    public var sql: String { "'\(rawValue)'" }
}
