/// Why a message body is not one of the shapes `OutboundContent` accepts: the API answers 400 with
/// it and stores nothing.
///
/// Only shape problems land here (not JSON, not an object, no kind or several, a field of the wrong
/// JSON type); Messenger's rules on the values are `FormatViolation`s of a stored message. `message`
/// names fields but never quotes the body's values, so it is safe to log and to return.
public struct OutboundContentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of shape problem; the raw value is snake_case for API errors and logs.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The body is not JSON (or not UTF-8).
        public static let notJSON = Code(rawValue: "not_json")
        /// The body is JSON but not an object.
        public static let notAnObject = Code(rawValue: "not_an_object")
        /// None of `text`, `image`, `file`, `carousel` (with a non-null value).
        public static let noContentKind = Code(rawValue: "no_content_kind")
        /// More than one of them.
        public static let severalContentKinds = Code(rawValue: "several_content_kinds")
        /// A field Herald reads has the wrong JSON type (or `size_bytes` is not a non-negative integer).
        public static let wrongType = Code(rawValue: "wrong_type")

        public var description: String { rawValue }
    }

    public var code: Code
    /// The field concerned as a path, e.g. `carousel.elements[0].buttons[1].title`; nil for the body.
    public var field: String?
    /// One sentence for the API's error message, e.g. "text must be a string".
    public var message: String

    public init(code: Code, field: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { message }

    static let notJSON = OutboundContentError(code: .notJSON, message: "body is not valid JSON")
    static let notAnObject = OutboundContentError(code: .notAnObject, message: "body must be a JSON object")
    static let noContentKind = OutboundContentError(
        code: .noContentKind, message: "body must contain exactly one of text, image, file, carousel")

    static func severalContentKinds(_ kinds: [OutboundContent.Kind]) -> OutboundContentError {
        OutboundContentError(
            code: .severalContentKinds,
            message: "body must contain exactly one of text, image, file, carousel; found "
                + kinds.map(\.rawValue).joined(separator: ", "))
    }

    static func wrongType(_ field: String, expected: String) -> OutboundContentError {
        OutboundContentError(code: .wrongType, field: field, message: "\(field) must be \(expected)")
    }
}
