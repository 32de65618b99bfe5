/// Every error `fake-graph` can answer, each with the exact status and body Facebook's Graph API sends.
///
/// Cases whose raw value names a file in `Tests/Fixtures/graph/` answer that file's `http_status`
/// and `body` verbatim (copied here because the fixtures are not shipped with the binary); the rest
/// are Graph's answers to requests it cannot accept (no token, no recipient, bad JSON) or an outage.
public enum FakeGraphFailure: String, Sendable, Hashable, CaseIterable {
    case tokenExpired = "token-expired"
    case tokenPasswordChanged = "token-password-changed"
    case tokenPermissionsRevoked = "token-permissions-revoked"
    case blockedURL = "blocked-url"
    case outsideWindow = "outside-window"
    case userUnavailable = "user-unavailable"
    case noMatchingUser = "no-matching-user"
    case rateLimited = "rate-limited"
    case temporary = "temporary"
    case fileTooLarge = "file-too-large"
    case invalidParameter = "invalid-parameter"
    case typeMismatch = "type-mismatch"
    case userRequestLimit = "user-request-limit"
    /// A page token without `pages_manage_metadata` subscribing the app (`subscribed_apps`):
    /// HTTP 403, code 200, no subcode.
    case permissionDenied = "permission-denied"
    /// The User Profile API without the permission to read people's profiles: HTTP 403, code 200.
    case profilePermissionDenied = "profile-permission-denied"
    /// The User Profile API for a PSID Graph will not describe (the person is gone, or never
    /// allowed it): `GraphMethodException`, code 100, subcode 33.
    case profileNotFound = "profile-not-found"
    /// An outage in front of Graph: HTTP 500 with an HTML page, not JSON.
    case http500 = "http-500"
    /// No `access_token` query parameter: code 2500.
    case missingToken = "missing-token"
    /// The body is not a JSON object of the Send API's shape: code 100, as invalid-parameter.
    case malformedBody = "malformed-body"
    /// No `recipient.id`: code 100.
    case missingRecipient = "missing-recipient"
    /// Neither `message` nor `sender_action`: code 100.
    case missingMessage = "missing-message"
    /// A `message` with neither `text` nor `attachment`: code 100.
    case emptyMessage = "empty-message"
    /// `message.text` over 2000 characters: code 100.
    case textTooLong = "text-too-long"
    /// `message.metadata` over 1000 characters: code 100.
    case metadataTooLong = "metadata-too-long"
    /// `subscribed_apps` without an `access_token`: code 104.
    case accessTokenRequired = "access-token-required"
    /// `subscribed_apps` without `subscribed_fields`: code 100.
    case missingSubscribedFields = "missing-subscribed-fields"

    /// The failures copied from `Tests/Fixtures/graph/<rawValue>.json`.
    public static let fromFixtures: [FakeGraphFailure] = allCases.filter(\.hasFixture)

    /// Whether `Tests/Fixtures/graph/<rawValue>.json` is this answer.
    public var hasFixture: Bool {
        switch self {
        case .http500, .missingToken, .malformedBody, .missingRecipient, .missingMessage, .emptyMessage,
            .textTooLong, .metadataTooLong, .accessTokenRequired, .missingSubscribedFields, .profilePermissionDenied,
            .profileNotFound:
            false
        default: true
        }
    }

    /// The HTTP status Graph answers with.
    public var status: Int {
        switch self {
        case .temporary, .http500: 500
        case .permissionDenied, .profilePermissionDenied: 403
        default: 400
        }
    }

    /// The response body, byte for byte.
    public var body: String {
        switch self {
        case .http500: Self.outagePage
        default: Self.errorBodies[self] ?? ""
        }
    }

    /// The `Content-Type` of ``body``.
    public var contentType: String {
        self == .http500 ? "text/html; charset=utf-8" : "application/json; charset=UTF-8"
    }

    /// Extra headers Graph sends with this answer. `pageID` keys the usage header, as Graph keys it
    /// by the business object (the Page) whose quota ran out.
    public func headers(pageID: String) -> [(name: String, value: String)] {
        guard self == .rateLimited else { return [] }
        // Graph reports estimated_time_to_regain_access in minutes.
        let usage =
            #"{"\#(pageID)":[{"type":"pages","call_count":100,"total_cputime":100,"total_time":100,"#
            + #""estimated_time_to_regain_access":\#(Self.minutesToRegainAccess)}]}"#
        return [(name: "X-Business-Use-Case-Usage", value: usage)]
    }

    /// The `estimated_time_to_regain_access` sent with ``rateLimited``, in minutes.
    public static let minutesToRegainAccess = 5
}
