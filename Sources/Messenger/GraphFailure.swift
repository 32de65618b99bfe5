/// Why a send failed, in Messenger's terms. The raw values are Herald's failure reasons
/// (`HeraldCore.FailureReason` is this type under its product name).
public enum GraphFailureKind: String, Sendable, Hashable, CaseIterable, Codable {
    case invalidFormat = "invalid_format"
    case fileTooLarge = "file_too_large"
    case urlBlacklisted = "url_blacklisted"
    case outsideWindow = "outside_window"
    case tokenExpired = "token_expired"
    case recipientUnavailable = "recipient_unavailable"
    case rateLimited = "rate_limited"
    case graphUnavailable = "graph_unavailable"
    case unknown = "unknown"
}

/// A failed Send API call, classified (see `GraphResponse.classify` and `GraphErrorRule.table`).
public struct GraphFailure: Sendable, Hashable, CustomStringConvertible {
    public var reason: GraphFailureKind
    /// A retry may succeed: retry with backoff (up to `maxRetries` when set), then fail.
    public var isTransient: Bool
    /// Graph's `error.code`; nil when there was no Graph error (network, 5xx without a body).
    public var code: Int?
    /// Graph's `error.error_subcode`.
    public var subcode: Int?
    /// Graph's message (or `error_user_msg` when it has none), or Herald's own description;
    /// whitespace-trimmed and at most `maxDetailLength` characters.
    public var detail: String
    /// How long Graph asks to wait (`X-Business-Use-Case-Usage`'s `estimated_time_to_regain_access`,
    /// or `Retry-After`); set on transient failures only.
    public var retryAfter: Duration?
    /// A cap on automatic retries for this failure, lower than the job's own; nil for no extra cap.
    public var maxRetries: Int?
    /// The HTTP status Graph answered with; nil for network failures.
    public var httpStatus: Int?
    /// Graph's `fbtrace_id`, for reports to Meta.
    public var traceID: String?

    public static let maxDetailLength = 500

    public init(
        reason: GraphFailureKind, isTransient: Bool, code: Int? = nil, subcode: Int? = nil, detail: String,
        retryAfter: Duration? = nil, maxRetries: Int? = nil, httpStatus: Int? = nil, traceID: String? = nil
    ) {
        self.reason = reason
        self.isTransient = isTransient
        self.code = code
        self.subcode = subcode
        self.detail = Self.clip(detail)
        self.retryAfter = retryAfter
        self.maxRetries = maxRetries
        self.httpStatus = httpStatus
        self.traceID = traceID
    }

    public var description: String {
        var parts = ["\(reason.rawValue)\(isTransient ? " (transient)" : "")"]
        if let code { parts.append("code \(code)" + (subcode.map { "/\($0)" } ?? "")) }
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        return parts.joined(separator: ", ") + ": " + detail
    }

    /// Trims whitespace and keeps at most `maxDetailLength` characters, the last being "…" when cut.
    static func clip(_ text: String) -> String {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.count > maxDetailLength else { return trimmed }
        return String(trimmed.prefix(maxDetailLength - 1)) + "…"
    }
}

/// The result of one Send API call.
public enum GraphSendOutcome: Sendable, Hashable {
    /// Graph took the message; `messageID` is the `mid` later webhooks refer to.
    case sent(messageID: String, recipientID: String?)
    case failed(GraphFailure)

    public var failure: GraphFailure? {
        if case .failed(let failure) = self { failure } else { nil }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
