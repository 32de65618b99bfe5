import Foundation

/// A Messenger format rule that a well-shaped message breaks: the message is stored and fails with
/// `invalid_format` without calling Graph (it can never be resent; a new message is needed).
public struct FormatViolation: Sendable, Hashable, CustomStringConvertible {
    /// Which rule; the raw value is snake_case for logs and tests.
    public struct Rule: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public static let emptyText = Rule(rawValue: "empty_text")
        public static let textTooLong = Rule(rawValue: "text_too_long")
        /// An image or file without a URL, or a `web_url` button without one.
        public static let missingURL = Rule(rawValue: "missing_url")
        /// A URL that is not an absolute http(s) URL.
        public static let invalidURL = Rule(rawValue: "invalid_url")
        public static let noElements = Rule(rawValue: "no_elements")
        public static let tooManyElements = Rule(rawValue: "too_many_elements")
        public static let missingTitle = Rule(rawValue: "missing_title")
        public static let titleTooLong = Rule(rawValue: "title_too_long")
        public static let subtitleTooLong = Rule(rawValue: "subtitle_too_long")
        /// An element with neither an `image_url` nor a button. Messenger would take a subtitle
        /// alone; the product does not ("Carousel has no button/image" is a wrong format).
        public static let noImageOrButton = Rule(rawValue: "no_image_or_button")
        public static let tooManyButtons = Rule(rawValue: "too_many_buttons")
        /// A button whose `type` is missing or is neither `web_url` nor `postback`.
        public static let unknownButtonType = Rule(rawValue: "unknown_button_type")
        public static let buttonMissingTitle = Rule(rawValue: "button_missing_title")
        public static let buttonMissingPayload = Rule(rawValue: "button_missing_payload")

        public var description: String { rawValue }
    }

    public var rule: Rule
    /// The field concerned, e.g. `carousel.elements[1].buttons[0].url`.
    public var field: String
    /// A sentence for the message's failure detail, e.g. "text is 2001 characters; Messenger allows
    /// at most 2000". Never quotes the content.
    public var detail: String

    /// Always `invalid_format`.
    public var reason: GraphFailureKind { .invalidFormat }

    public init(rule: Rule, field: String, detail: String) {
        self.rule = rule
        self.field = field
        self.detail = detail
    }

    public var description: String { detail }
}

extension OutboundContent {
    /// Messenger's `message.text` limit. Counted in Unicode scalars, see `characterCount(_:)`.
    public static let maxTextLength = 2000
    public static let maxCarouselElements = 10
    /// For an element's `title` and `subtitle`.
    public static let maxTitleLength = 80
    public static let maxButtons = 3

    /// The first Messenger format rule this content breaks, checked in body order; nil when it may
    /// be sent. Sizes are `sizeViolation(measuredBytes:)`'s job.
    ///
    /// A blank (empty or whitespace-only) `subtitle` or `image_url` counts as absent, and such
    /// fields are left out of the Send API body.
    public func formatViolation() -> FormatViolation? {
        switch self {
        case .text(let text):
            if Self.isBlank(text) {
                return FormatViolation(
                    rule: .emptyText, field: "text",
                    detail: text.isEmpty ? "text is empty" : "text is only whitespace")
            }
            let count = Self.characterCount(text)
            if count > Self.maxTextLength {
                return FormatViolation(
                    rule: .textTooLong, field: "text",
                    detail: "text is \(count) characters; Messenger allows at most \(Self.maxTextLength)")
            }
            return nil
        case .image(let image):
            return Self.attachmentURLViolation(image.url, field: "image.url", noun: "image")
        case .file(let file):
            return Self.attachmentURLViolation(file.url, field: "file.url", noun: "file")
        case .carousel(let carousel):
            return Self.carouselViolation(carousel)
        }
    }

    /// Why text lengths count Unicode scalars: Meta documents "2000 characters" without saying
    /// which; its servers count code points of the UTF-8 text, as far as anyone has observed. A
    /// `Character` (grapheme) count would let through family emoji at up to 7 scalars each, which
    /// Meta refuses; if Meta in fact counts UTF-16 units, the few texts between the two counts get
    /// Graph's own parameter error, which also maps to `invalid_format`, one call later. Being
    /// stricter here instead would fail, for good, messages Meta accepts.
    public static func characterCount(_ text: String) -> Int {
        text.unicodeScalars.count
    }

    static func isBlank(_ text: String?) -> Bool {
        text?.allSatisfy(\.isWhitespace) ?? true
    }

    private static func attachmentURLViolation(_ url: String?, field: String, noun: String) -> FormatViolation? {
        guard let url, !isBlank(url) else {
            return FormatViolation(rule: .missingURL, field: field, detail: "\(noun) has no url")
        }
        guard isWebURL(url) else {
            return FormatViolation(rule: .invalidURL, field: field, detail: "\(field) is not an absolute http(s) URL")
        }
        return nil
    }

    private static func carouselViolation(_ carousel: Carousel) -> FormatViolation? {
        let count = carousel.elements.count
        if count == 0 {
            return FormatViolation(
                rule: .noElements, field: "carousel.elements",
                detail: "carousel has no elements; Messenger needs 1 to \(maxCarouselElements)")
        }
        if count > maxCarouselElements {
            return FormatViolation(
                rule: .tooManyElements, field: "carousel.elements",
                detail: "carousel has \(count) elements; Messenger allows at most \(maxCarouselElements)")
        }
        for (index, element) in carousel.elements.enumerated() {
            if let violation = elementViolation(element, path: "carousel.elements[\(index)]") { return violation }
        }
        return nil
    }

    private static func elementViolation(_ element: Element, path: String) -> FormatViolation? {
        guard let title = element.title, !isBlank(title) else {
            return FormatViolation(rule: .missingTitle, field: "\(path).title", detail: "\(path) has no title")
        }
        if let violation = lengthViolation(title, rule: .titleTooLong, field: "\(path).title") { return violation }
        if let subtitle = element.subtitle,
            let violation = lengthViolation(subtitle, rule: .subtitleTooLong, field: "\(path).subtitle")
        {
            return violation
        }
        if let imageURL = element.imageURL, !isBlank(imageURL), !isWebURL(imageURL) {
            return FormatViolation(
                rule: .invalidURL, field: "\(path).image_url",
                detail: "\(path).image_url is not an absolute http(s) URL")
        }
        if isBlank(element.imageURL), element.buttons.isEmpty {
            return FormatViolation(
                rule: .noImageOrButton, field: path, detail: "\(path) has no image_url and no button; it needs one")
        }
        if element.buttons.count > maxButtons {
            return FormatViolation(
                rule: .tooManyButtons, field: "\(path).buttons",
                detail: "\(path) has \(element.buttons.count) buttons; Messenger allows at most \(maxButtons)")
        }
        for (index, button) in element.buttons.enumerated() {
            if let violation = buttonViolation(button, path: "\(path).buttons[\(index)]") { return violation }
        }
        return nil
    }

    private static func lengthViolation(_ text: String, rule: FormatViolation.Rule, field: String) -> FormatViolation? {
        let count = characterCount(text)
        guard count > maxTitleLength else { return nil }
        return FormatViolation(
            rule: rule, field: field,
            detail: "\(field) is \(count) characters; Messenger allows at most \(maxTitleLength)")
    }

    private static func buttonViolation(_ button: Button, path: String) -> FormatViolation? {
        let isWebURLButton = button.type == Button.webURLType
        guard isWebURLButton || button.type == Button.postbackType else {
            return FormatViolation(
                rule: .unknownButtonType, field: "\(path).type",
                detail: button.type == nil
                    ? "\(path) has no type; it must be web_url or postback"
                    : "\(path).type must be web_url or postback")
        }
        if isBlank(button.title) {
            return FormatViolation(rule: .buttonMissingTitle, field: "\(path).title", detail: "\(path) has no title")
        }
        if isWebURLButton {
            guard let url = button.url, !isBlank(url) else {
                return FormatViolation(
                    rule: .missingURL, field: "\(path).url", detail: "\(path) is a web_url button without a url")
            }
            if !isWebURL(url) {
                return FormatViolation(
                    rule: .invalidURL, field: "\(path).url", detail: "\(path).url is not an absolute http(s) URL")
            }
        } else if button.payload?.isEmpty ?? true {
            return FormatViolation(
                rule: .buttonMissingPayload, field: "\(path).payload",
                detail: "\(path) is a postback button without a payload")
        }
        return nil
    }
}
