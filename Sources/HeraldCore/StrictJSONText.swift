/// Whether bytes are exactly one JSON text by RFC 8259's grammar: UTF-8, one value, whitespace
/// around it, nothing else.
///
/// `GET /admin/webhook-events/{id}` writes a stored body into its answer byte for byte when this
/// says yes, so it must be strict where parsers are lenient: Foundation's `JSONSerialization`
/// accepts `[1,]`, which would make the whole answer invalid JSON for a stricter client. Nesting
/// deeper than `maxDepth` counts as not JSON: the check recurses, on whatever thread the caller
/// runs, and Facebook's bodies nest a handful of levels (a deeper body is still answered exactly,
/// in base64).
struct StrictJSONText {
    static let maxDepth = 128

    private let bytes: [UInt8]
    private var index = 0

    static func isValid(_ bytes: [UInt8]) -> Bool {
        var text = StrictJSONText(bytes: bytes)
        text.skipWhitespace()
        guard text.value(depth: 0) else { return false }
        text.skipWhitespace()
        return text.index == bytes.count
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        index += 1
        return true
    }

    private mutating func value(depth: Int) -> Bool {
        guard depth < Self.maxDepth, let byte = current else { return false }
        switch byte {
        case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), depth: depth, keyed: true)
        case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), depth: depth, keyed: false)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return false
        }
    }

    /// An object (`keyed`: `"key": value` members) or an array, from its opening bracket.
    private mutating func container(close: UInt8, depth: Int, keyed: Bool) -> Bool {
        index += 1
        skipWhitespace()
        if take(close) { return true }
        while true {
            if keyed {
                guard string() else { return false }
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
            }
            guard value(depth: depth + 1) else { return false }
            skipWhitespace()
            if take(close) { return true }
            guard take(UInt8(ascii: ",")) else { return false }
            skipWhitespace()
        }
    }

    private mutating func literal(_ word: String) -> Bool {
        for byte in word.utf8 where !take(byte) { return false }
        return true
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() -> Bool {
        _ = take(UInt8(ascii: "-"))
        if !take(UInt8(ascii: "0")) {
            guard digits() else { return false }
        }
        if take(UInt8(ascii: ".")), !digits() { return false }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
            guard digits() else { return false }
        }
        return true
    }

    /// One or more digits.
    private mutating func digits() -> Bool {
        let start = index
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index > start
    }

    /// A string from its opening quote: escapes as the grammar lists them, no control characters,
    /// well-formed UTF-8.
    private mutating func string() -> Bool {
        guard take(UInt8(ascii: "\"")) else { return false }
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return true
            case UInt8(ascii: "\\"):
                guard let escaped = current else { return false }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let hex = current, hex.isHexDigit else { return false }
                        index += 1
                    }
                } else if !Array(#""\/bfnrt"#.utf8).contains(escaped) {
                    return false
                }
            case 0x00..<0x20:
                return false
            case 0x20..<0x80:
                continue
            default:
                guard utf8Continuation(lead: byte) else { return false }
            }
        }
        return false
    }

    /// The rest of a multi-byte UTF-8 sequence after its lead byte (RFC 3629's table: no
    /// overlong forms, no surrogates, nothing above U+10FFFF).
    private mutating func utf8Continuation(lead: UInt8) -> Bool {
        let (count, second): (Int, ClosedRange<UInt8>)
        switch lead {
        case 0xC2...0xDF: (count, second) = (1, 0x80...0xBF)
        case 0xE0: (count, second) = (2, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (count, second) = (2, 0x80...0xBF)
        case 0xED: (count, second) = (2, 0x80...0x9F)
        case 0xF0: (count, second) = (3, 0x90...0xBF)
        case 0xF1...0xF3: (count, second) = (3, 0x80...0xBF)
        case 0xF4: (count, second) = (3, 0x80...0x8F)
        default: return false
        }
        for position in 0..<count {
            guard let byte = current, (position == 0 ? second : 0x80...0xBF).contains(byte) else { return false }
            index += 1
        }
        return true
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
