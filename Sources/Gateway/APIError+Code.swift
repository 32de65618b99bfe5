extension APIError {
    /// An error's `code`: the snake_case word clients branch on. Every code the API answers is a
    /// constant here (docs/api.md names each where it can occur; `APIErrorCodeTests` checks).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }
        init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }
}

extension APIError.Code {
    public static let badRequest = APIError.Code("bad_request")
    public static let bodyTooLarge = APIError.Code("body_too_large")
    public static let customerNotFound = APIError.Code("customer_not_found")
    public static let databaseUnavailable = APIError.Code("database_unavailable")
    public static let forbidden = APIError.Code("forbidden")
    public static let graphUnavailable = APIError.Code("graph_unavailable")
    public static let internalError = APIError.Code("internal_error")
    public static let invalidAction = APIError.Code("invalid_action")
    public static let invalidBody = APIError.Code("invalid_body")
    public static let invalidId = APIError.Code("invalid_id")
    public static let invalidIdempotencyKey = APIError.Code("invalid_idempotency_key")
    public static let invalidLastEventId = APIError.Code("invalid_last_event_id")
    public static let invalidMessage = APIError.Code("invalid_message")
    public static let invalidParameter = APIError.Code("invalid_parameter")
    public static let invalidSignature = APIError.Code("invalid_signature")
    public static let messageNotFound = APIError.Code("message_not_found")
    public static let methodNotAllowed = APIError.Code("method_not_allowed")
    public static let migrationsPending = APIError.Code("migrations_pending")
    public static let notFailed = APIError.Code("not_failed")
    public static let notFound = APIError.Code("not_found")
    public static let outsideWindow = APIError.Code("outside_window")
    public static let pageNotFound = APIError.Code("page_not_found")
    public static let queueFull = APIError.Code("queue_full")
    public static let resendNotAllowed = APIError.Code("resend_not_allowed")
    public static let shuttingDown = APIError.Code("shutting_down")
    public static let streamFull = APIError.Code("stream_full")
    public static let streamUnavailable = APIError.Code("stream_unavailable")
    public static let supporterNotFound = APIError.Code("supporter_not_found")
    public static let tokenExpired = APIError.Code("token_expired")
    public static let tokenRejected = APIError.Code("token_rejected")
    public static let unauthorized = APIError.Code("unauthorized")
    public static let unknownAction = APIError.Code("unknown_action")
    public static let urlNotBlocked = APIError.Code("url_not_blocked")
    public static let verificationFailed = APIError.Code("verification_failed")
    public static let webhookEventNotFound = APIError.Code("webhook_event_not_found")

    /// Every constant above, for the documentation check.
    public static let all: [APIError.Code] = [
        .badRequest,
        .bodyTooLarge,
        .customerNotFound,
        .databaseUnavailable,
        .forbidden,
        .graphUnavailable,
        .internalError,
        .invalidAction,
        .invalidBody,
        .invalidId,
        .invalidIdempotencyKey,
        .invalidLastEventId,
        .invalidMessage,
        .invalidParameter,
        .invalidSignature,
        .messageNotFound,
        .methodNotAllowed,
        .migrationsPending,
        .notFailed,
        .notFound,
        .outsideWindow,
        .pageNotFound,
        .queueFull,
        .resendNotAllowed,
        .shuttingDown,
        .streamFull,
        .streamUnavailable,
        .supporterNotFound,
        .tokenExpired,
        .tokenRejected,
        .unauthorized,
        .unknownAction,
        .urlNotBlocked,
        .verificationFailed,
        .webhookEventNotFound,
    ]
}
