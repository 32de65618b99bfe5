/// A stored webhook body as an admin reads it: the exact bytes, told apart by whether they are
/// one JSON value (then `GET /admin/webhook-events/{id}` embeds them as they are, so key order,
/// spacing and number spelling stay exactly as Facebook sent them) or not (then it sends them
/// base64-encoded, since arbitrary bytes cannot sit in a JSON document).
public enum WebhookEventBody: Sendable, Hashable {
    /// UTF-8 text that is exactly one JSON value, with optional whitespace around it.
    case json([UInt8])
    /// Anything else: not UTF-8, not JSON, several values, a byte order mark.
    case binary([UInt8])

    public init(_ bytes: [UInt8]) {
        self = StrictJSONText.isValid(bytes) ? .json(bytes) : .binary(bytes)
    }

    /// The stored bytes.
    public var bytes: [UInt8] {
        switch self {
        case .json(let bytes), .binary(let bytes): bytes
        }
    }

    /// `json` or `base64`: how the API writes the body (`body_encoding`).
    public var encoding: String {
        switch self {
        case .json: "json"
        case .binary: "base64"
        }
    }
}
