/// The `GET /webhook` subscription handshake: `hub.mode=subscribe`, `hub.verify_token`,
/// `hub.challenge`, read from the raw query string (the names contain dots, and the values are
/// percent-encoded).
public struct VerificationHandshake: Sendable, Equatable {
    public var mode: String?
    public var verifyToken: String?
    public var challenge: String?

    public init(rawQuery: String) {
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            switch name {
            case "hub.mode": mode = value
            case "hub.verify_token": verifyToken = value
            case "hub.challenge": challenge = value
            default: continue
            }
        }
    }

    /// The challenge to echo when the request is a subscription with the right token; else nil.
    public func challenge(expectedToken: String) -> String? {
        guard mode == "subscribe", let verifyToken, let challenge,
            Self.constantTimeEqual(Array(verifyToken.utf8), Array(expectedToken.utf8))
        else { return nil }
        return challenge
    }

    /// Percent-decoding with `+` as space (form encoding); invalid escapes are kept as they are.
    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let first = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), first < utf8.endIndex,
                let second = utf8.index(first, offsetBy: 1, limitedBy: utf8.endIndex), second < utf8.endIndex,
                let value = UInt8(String(decoding: [utf8[first], utf8[second]], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index = second
            } else {
                bytes.append(byte)
            }
            index = utf8.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
