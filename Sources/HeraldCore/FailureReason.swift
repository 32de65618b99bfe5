/// Why an outbound message failed: DESIGN.md's failure table, a closed set.
///
/// The raw values are the API's and the `messages.failure_reason` column's spelling.
public enum FailureReason: String, Sendable, Hashable, CaseIterable, Codable {
    case invalidFormat = "invalid_format"
    case fileTooLarge = "file_too_large"
    case urlBlacklisted = "url_blacklisted"
    case outsideWindow = "outside_window"
    case tokenExpired = "token_expired"
    case recipientUnavailable = "recipient_unavailable"
    case rateLimited = "rate_limited"
    case graphUnavailable = "graph_unavailable"
    case unknown = "unknown"

    /// Reads a stored reason; anything unrecognised is `unknown` (the column's CHECK makes that
    /// impossible today, but a read must never fail over it).
    public init(stored: String) {
        self = FailureReason(rawValue: stored) ?? .unknown
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
}
