#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address, as the number its bytes spell in network order.
///
/// Pure data: parsing and classification never touch the network (``AddressPolicy`` decides with
/// it what a transfer may connect to).
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    /// `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self = .v4(UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    /// 4 bytes (IPv4) or 16 bytes (IPv6) in network order; nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16: self = .v6(bytes.reduce(0) { $0 << 8 | UInt128($1) })
        default: return nil
        }
    }

    /// An address literal in any spelling that libcurl or the system resolver (`inet_aton`) takes
    /// for an address rather than a host name, so that a URL cannot hide an address from a check:
    ///
    /// - IPv4 as 1 to 4 dot-separated numbers, each decimal, octal (leading `0`) or hex (`0x`); the
    ///   last number fills the remaining bytes: `127.0.0.1`, `2130706433`, `0x7f.1`,
    ///   `017700000001`, `127.1` are all 127.0.0.1. One trailing dot is ignored.
    /// - IPv6 with or without brackets, with an optional zone (`[fe80::1%25eth0]`, `::1`,
    ///   `::ffff:127.0.0.1`).
    ///
    /// Nil for anything else (a host name, or numbers out of range, as libcurl and `inet_aton`
    /// also refuse).
    public init?(_ literal: some StringProtocol) {
        var text = Substring(literal)
        if text.first == "[" {
            guard text.last == "]" else { return nil }
            text = text.dropFirst().dropLast()
            guard let address = Self.parseIPv6(text) else { return nil }
            self = address
        } else if text.contains(":") {
            guard let address = Self.parseIPv6(text) else { return nil }
            self = address
        } else {
            guard let address = Self.parseIPv4(text) else { return nil }
            self = address
        }
    }

    /// The 4 or 16 bytes in network order.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let value): (0..<16).map { UInt8(truncatingIfNeeded: value >> (120 - 8 * $0)) }
        }
    }

    /// Dotted quad for IPv4, the shortest RFC 5952 text for IPv6 (`inet_ntop`).
    public var description: String {
        switch self {
        case .v4:
            return bytes.map(String.init).joined(separator: ".")
        case .v6:
            var raw = in6_addr()
            withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// `inet_aton`'s and libcurl's IPv4 forms (see `init(_:)`).
    private static func parseIPv4(_ text: Substring) -> IPAddress? {
        var text = text
        if text.last == ".", text.count > 1 { text = text.dropLast() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard let number = number(part) else { return nil }
            numbers.append(number)
        }
        // Every number but the last is one byte; the last fills the bytes that remain.
        let leading = numbers.dropLast()
        let last = numbers[numbers.count - 1]
        let lastBits = 8 * (5 - numbers.count)
        guard leading.allSatisfy({ $0 <= 255 }), last < (UInt64(1) << lastBits) else { return nil }
        var value = UInt32(last)
        for (index, byte) in leading.enumerated() {
            value |= UInt32(byte) << (24 - 8 * index)
        }
        return .v4(value)
    }

    /// One number as C's `strtoul(_, _, 0)` reads it, the whole part or nothing: `0x` hex, a
    /// leading `0` octal, else decimal. At most 32 bits.
    private static func number(_ part: Substring) -> UInt64? {
        let ascii = Array(part.utf8)
        guard let first = ascii.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        var digits = ascii[...]
        var radix: UInt64 = 10
        if ascii.count >= 2, first == UInt8(ascii: "0"), ascii[1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            digits = ascii.dropFirst(2)
            guard !digits.isEmpty else { return nil }
        } else if first == UInt8(ascii: "0") {
            radix = 8
        }
        var value: UInt64 = 0
        for digit in digits {
            let lower = digit | 0x20
            let number: UInt64
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): number = UInt64(digit - UInt8(ascii: "0"))
            case _ where lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f"):
                number = UInt64(lower - UInt8(ascii: "a") + 10)
            default: return nil
            }
            guard number < radix else { return nil }
            value = value * radix + number
            guard value <= UInt64(UInt32.max) else { return nil }
        }
        return value
    }

    /// IPv6 text (RFC 4291, with an embedded dotted IPv4 tail) through `inet_pton`; a zone
    /// (`%eth0`, or `%25eth0` as URLs write it) is dropped: it selects an interface, not an address.
    private static func parseIPv6(_ text: Substring) -> IPAddress? {
        let address = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard !address.isEmpty, address.utf8.count < Int(INET6_ADDRSTRLEN) else { return nil }
        var raw = in6_addr()
        guard inet_pton(AF_INET6, String(address), &raw) == 1 else { return nil }
        return withUnsafeBytes(of: &raw) { IPAddress(bytes: $0) }
    }
}
