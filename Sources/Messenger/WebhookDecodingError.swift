/// Why a webhook body as a whole could not be read (one bad event never throws; see
/// `WebhookEnvelope.problems`).
///
/// `reason` is a fixed phrase that never quotes the body, so it is safe to log and to return.
public struct WebhookDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong with the body, e.g. "body is not JSON".
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "webhook body unusable: \(reason)" }

    static let notJSON = WebhookDecodingError(reason: "body is not JSON")
    static let notAnObject = WebhookDecodingError(reason: "body is not a JSON object")
    static let entryNotAnArray = WebhookDecodingError(reason: "entry is missing or not an array")
}
