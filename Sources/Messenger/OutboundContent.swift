/// A supporter's outbound message: exactly one kind of content.
///
/// Content is checked in two layers, on purpose:
/// - **Shape** (`decode(_:)`, `OutboundContentError`, answered with HTTP 400): the body is a JSON
///   object with exactly one of `text`, `image`, `file`, `carousel`, and every field Herald reads has
///   the right JSON type. Nothing is stored: there is no message to show.
/// - **Format** (`formatViolation()`, `sizeViolation(measuredBytes:)`): Messenger's rules on the
///   values (non-empty text, a URL on an image, 1–10 carousel elements, …). A well-shaped body that
///   breaks them is stored as a message that failed with `invalid_format` or `file_too_large`, so
///   the supporter sees it in the conversation with its reason.
///
/// So every value a format rule checks is optional or unconstrained here: `{"text": ""}`,
/// `{"image": {}}` and a carousel element without a title are representable, while `{"text": 5}`,
/// `{}` and `{"text": "a", "image": {…}}` are not.
///
/// Codable as Herald's stored content JSON, which has the request's shape.
public enum OutboundContent: Sendable, Hashable {
    case text(String)
    case image(Image)
    case file(File)
    case carousel(Carousel)

    /// The content kinds, spelled as the body's keys.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case text, image, file, carousel
    }

    public var kind: Kind {
        switch self {
        case .text: .text
        case .image: .image
        case .file: .file
        case .carousel: .carousel
        }
    }

    /// `{"image": {"url": …}}`; Messenger fetches the image from the URL.
    public struct Image: Sendable, Hashable, Codable {
        public var url: String?

        public init(url: String?) {
            self.url = url
        }
    }

    /// `{"file": {"url": …, "size_bytes": n?}}`; `size_bytes` is what the supporter's client declared.
    public struct File: Sendable, Hashable, Codable {
        public var url: String?
        public var sizeBytes: Int?

        public init(url: String?, sizeBytes: Int? = nil) {
            self.url = url
            self.sizeBytes = sizeBytes
        }

        enum CodingKeys: String, CodingKey {
            case url
            case sizeBytes = "size_bytes"
        }
    }

    /// `{"carousel": {"elements": […]}}`: Messenger's generic template.
    public struct Carousel: Sendable, Hashable, Codable {
        public var elements: [Element]

        public init(elements: [Element]) {
            self.elements = elements
        }

        /// Missing `elements` reads as none (a format violation, not a shape error).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            elements = try container.decodeIfPresent([Element].self, forKey: .elements) ?? []
        }
    }

    /// One card of a carousel.
    public struct Element: Sendable, Hashable, Codable {
        public var title: String?
        public var subtitle: String?
        public var imageURL: String?
        /// Empty when the element has none; an empty `buttons` array in a body reads the same.
        public var buttons: [Button]

        public init(title: String?, subtitle: String? = nil, imageURL: String? = nil, buttons: [Button] = []) {
            self.title = title
            self.subtitle = subtitle
            self.imageURL = imageURL
            self.buttons = buttons
        }

        enum CodingKeys: String, CodingKey {
            case title, subtitle, buttons
            case imageURL = "image_url"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decodeIfPresent(String.self, forKey: .title)
            subtitle = try container.decodeIfPresent(String.self, forKey: .subtitle)
            imageURL = try container.decodeIfPresent(String.self, forKey: .imageURL)
            buttons = try container.decodeIfPresent([Button].self, forKey: .buttons) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(title, forKey: .title)
            try container.encodeIfPresent(subtitle, forKey: .subtitle)
            try container.encodeIfPresent(imageURL, forKey: .imageURL)
            if !buttons.isEmpty { try container.encode(buttons, forKey: .buttons) }
        }
    }

    /// A carousel button: `{"type": "web_url", "title", "url"}` or `{"type": "postback", "title",
    /// "payload"}`. Kept as given (every field optional, any type string) so that a broken button is
    /// stored and reported by `formatViolation()` rather than refused as a malformed body.
    public struct Button: Sendable, Hashable, Codable {
        public static let webURLType = "web_url"
        public static let postbackType = "postback"

        public var type: String?
        public var title: String?
        public var url: String?
        public var payload: String?

        public init(type: String?, title: String?, url: String? = nil, payload: String? = nil) {
            self.type = type
            self.title = title
            self.url = url
            self.payload = payload
        }

        public static func webURL(title: String, url: String) -> Button {
            Button(type: webURLType, title: title, url: url)
        }

        public static func postback(title: String, payload: String) -> Button {
            Button(type: postbackType, title: title, payload: payload)
        }
    }
}

extension OutboundContent: Codable {
    /// Exactly one of the four keys, as in the request; a JSON `null` counts as absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: KindKey.self)
        let present = try Kind.allCases.filter { kind in
            let key = KindKey(kind)
            return try container.contains(key) && !container.decodeNil(forKey: key)
        }
        guard present.count == 1, let kind = present.first else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected exactly one of text, image, file, carousel"))
        }
        let key = KindKey(kind)
        switch kind {
        case .text: self = .text(try container.decode(String.self, forKey: key))
        case .image: self = .image(try container.decode(Image.self, forKey: key))
        case .file: self = .file(try container.decode(File.self, forKey: key))
        case .carousel: self = .carousel(try container.decode(Carousel.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: KindKey.self)
        let key = KindKey(kind)
        switch self {
        case .text(let text): try container.encode(text, forKey: key)
        case .image(let image): try container.encode(image, forKey: key)
        case .file(let file): try container.encode(file, forKey: key)
        case .carousel(let carousel): try container.encode(carousel, forKey: key)
        }
    }

    private struct KindKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(_ kind: Kind) { stringValue = kind.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
