/// An attachment known, before sending, to be larger than Messenger takes: the message is stored and
/// fails with `file_too_large` without calling Graph (it can never be resent).
public struct SizeViolation: Sendable, Hashable, CustomStringConvertible {
    /// The size that broke the limit, in bytes.
    public var bytes: Int
    /// The limit it broke: `OutboundContent.maxAttachmentBytes` or `maxImageBytes`.
    public var limit: Int
    /// E.g. "file.size_bytes is 26214401 bytes; Messenger takes at most 26214400 (25 MB)".
    public var detail: String

    /// Always `file_too_large`.
    public var reason: GraphFailureKind { .fileTooLarge }

    public init(bytes: Int, limit: Int, detail: String) {
        self.bytes = bytes
        self.limit = limit
        self.detail = detail
    }

    public var description: String { detail }
}

extension OutboundContent {
    /// Messenger's attachment limit, 25 MB. Meta may re-encode, so a file just under it can still
    /// fail with Graph's own size error.
    public static let maxAttachmentBytes = 25 << 20
    /// Messenger's limit for an image sent by URL, 8 MB.
    public static let maxImageBytes = 8 << 20

    /// The limit for this content's attachment; nil for text and carousels (Messenger fetches
    /// carousel images itself and sizes them as it likes).
    public var attachmentByteLimit: Int? {
        switch self {
        case .image: Self.maxImageBytes
        case .file: Self.maxAttachmentBytes
        case .text, .carousel: nil
        }
    }

    /// Whether a known size breaks the limit: a file's declared `size_bytes`, then `measuredBytes`
    /// (a HEAD request's `Content-Length`, done elsewhere) for a file or an image. Exactly the limit
    /// is allowed ("up to 25 MB"). Check `formatViolation()` first: a size is moot without a URL.
    public func sizeViolation(measuredBytes: Int? = nil) -> SizeViolation? {
        guard let limit = attachmentByteLimit else { return nil }
        if case .file(let file) = self, let declared = file.sizeBytes, declared > limit {
            return SizeViolation(
                bytes: declared, limit: limit,
                detail: "file.size_bytes is \(declared) bytes; Messenger takes at most \(Self.describe(limit))")
        }
        if let measuredBytes, measuredBytes > limit {
            return SizeViolation(
                bytes: measuredBytes, limit: limit,
                detail: "the \(kind.rawValue) at its url is \(measuredBytes) bytes; "
                    + "Messenger takes at most \(Self.describe(limit))")
        }
        return nil
    }

    private static func describe(_ limit: Int) -> String {
        "\(limit) (\(limit >> 20) MB)"
    }
}
