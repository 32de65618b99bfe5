/// The JSON grammar (RFC 8259, strictly) under `WebhookScanner`: anything the general decoder's
/// `JSONSerialization` might read differently — escapes in keys, floats, `\u0000`, lone
/// surrogates, invalid UTF-8, deep nesting — is a `GiveUp`, never a guess.
extension WebhookScanner {
    /// An object key, packed into two words so matching it allocates nothing. Keys over 16 bytes
    /// are never ones the scanner reads; they all compare equal to `Key.long` and are skipped.
    struct Key: Equatable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var length = 0

        init(_ text: StaticString) {
            let bytes = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            self.init(bytes[...])
        }

        init(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
            guard bytes.count <= 16 else {
                length = 17
                return
            }
            length = bytes.count
            for (offset, byte) in bytes.enumerated() {
                if offset < 8 {
                    low |= UInt64(byte) << (8 * offset)
                } else {
                    high |= UInt64(byte) << (8 * (offset - 8))
                }
            }
        }

        static let object = Key("object"), entry = Key("entry"), id = Key("id"), time = Key("time")
        static let messaging = Key("messaging"), standby = Key("standby"), sender = Key("sender")
        static let recipient = Key("recipient"), timestamp = Key("timestamp"), message = Key("message")
        static let delivery = Key("delivery"), read = Key("read"), watermark = Key("watermark"), mids = Key("mids")
        static let mid = Key("mid"), text = Key("text"), attachments = Key("attachments"), isEcho = Key("is_echo")
        static let appID = Key("app_id"), metadata = Key("metadata"), quickReply = Key("quick_reply")
        static let replyTo = Key("reply_to"), payload = Key("payload"), type = Key("type"), url = Key("url")
        static let postback = Key("postback"), title = Key("title")
    }

    /// Deeper values are left to the general decoder (Facebook's bodies nest about six levels).
    static let maxDepth = 32

    /// Calls `member` for each key of an object, positioned at its value.
    mutating func readObject(_ member: (inout WebhookScanner, Key) throws(GiveUp) -> Void) throws(GiveUp) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            let key = try readKey()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            default: throw GiveUp()
            }
        }
    }

    /// Calls `element` for each item of an array, positioned at it.
    mutating func readArray(_ element: (inout WebhookScanner) throws(GiveUp) -> Void) throws(GiveUp) {
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return
            default: throw GiveUp()
            }
        }
    }

    /// A string value. Without escapes (nearly always) it is validated and copied in one go.
    mutating func readString() throws(GiveUp) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try Self.validated(bytes[start..<index])
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if byte < 0x20 { throw GiveUp() }
            index += 1
        }
        throw GiveUp()
    }

    /// Ids as Meta documents them: non-empty strings of at most 512 bytes (never with U+0000,
    /// which `readString` refuses). Numeric ids are the general decoder's to convert.
    mutating func readIdentifier() throws(GiveUp) -> String {
        let value = try readString()
        guard !value.isEmpty, value.utf8.count <= WebhookJSON.maxIdentifierLength else { throw GiveUp() }
        return value
    }

    /// An id that may be a JSON integer (`app_id` is one in Meta's examples).
    mutating func readIdentifierOrInteger() throws(GiveUp) -> String {
        if let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            return String(try readInteger())
        }
        return try readIdentifier()
    }

    /// Integer milliseconds within `WebhookJSON.millisecondsRange`.
    mutating func readMilliseconds() throws(GiveUp) -> Int64 {
        let value = try readInteger()
        guard WebhookJSON.millisecondsRange.contains(value) else { throw GiveUp() }
        return value
    }

    /// `true` or `false`.
    mutating func readBool() throws(GiveUp) -> Bool {
        if consume("true") { return true }
        if consume("false") { return false }
        throw GiveUp()
    }

    /// Validates and passes over any JSON value.
    mutating func skipValue(depth: Int) throws(GiveUp) {
        guard depth <= Self.maxDepth, let byte = peek() else { throw GiveUp() }
        switch byte {
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "{"): try readObject { scanner, _ throws(GiveUp) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try readArray { scanner throws(GiveUp) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): guard consume("null") else { throw GiveUp() }
        default: try skipNumber()
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    // MARK: - Pieces

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws(GiveUp) {
        guard next() == byte else { throw GiveUp() }
    }

    private mutating func consume(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// A key of plain ASCII without escapes; any other key gives up.
    private mutating func readKey() throws(GiveUp) -> Key {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return Key(bytes[start..<index])
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { throw GiveUp() }
            index += 1
        }
        throw GiveUp()
    }

    /// A non-negative JSON integer of at most 18 digits; fractions and exponents give up.
    private mutating func readInteger() throws(GiveUp) -> Int64 {
        let start = index
        var value: Int64 = 0
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits <= 18, digits == 1 || bytes[start] != UInt8(ascii: "0") else { throw GiveUp() }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw GiveUp()
        }
        return value
    }

    /// Any JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func skipNumber() throws(GiveUp) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw GiveUp() }
        if first == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw GiveUp() }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw GiveUp() }
        }
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index - start
    }

    /// The slow lane of `readString`: unescapes into a buffer, then validates it.
    private mutating func readEscapedString(from start: Int) throws(GiveUp) -> String {
        var buffer = Array(bytes[start..<index])
        while let byte = next() {
            switch byte {
            case UInt8(ascii: "\""):
                return try buffer.withUnsafeBufferPointer { (raw) throws(GiveUp) in try Self.validated(raw[...]) }
            case UInt8(ascii: "\\"): try readEscape(into: &buffer)
            case ..<0x20: throw GiveUp()
            default: buffer.append(byte)
            }
        }
        throw GiveUp()
    }

    private mutating func readEscape(into buffer: inout [UInt8]) throws(GiveUp) {
        switch next() {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard consume("\\u") else { throw GiveUp() }
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw GiveUp() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            // U+0000 has its own rule (U+FFFD) in the general decoder; lone low surrogates are not text.
            guard scalar != 0, let unicode = Unicode.Scalar(scalar) else { throw GiveUp() }
            buffer.append(contentsOf: String(Character(unicode)).utf8)
        default: throw GiveUp()
        }
    }

    private mutating func readHex4() throws(GiveUp) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next(), let digit = Self.hexValue(byte) else { throw GiveUp() }
            value = value << 4 | digit
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func validated(_ slice: Slice<UnsafeBufferPointer<UInt8>>) throws(GiveUp) -> String {
        guard let string = String(validating: slice, as: UTF8.self) else { throw GiveUp() }
        return string
    }
}
