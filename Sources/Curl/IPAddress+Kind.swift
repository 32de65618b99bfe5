/// What an address is for, as far as reaching it from a server goes: only `public` addresses are
/// on the Internet; every other kind reaches the machine itself, its private networks, or nothing.
public enum AddressKind: String, Sendable, Hashable, CaseIterable {
    /// Globally routable unicast.
    case `public`
    /// 127.0.0.0/8, ::1.
    case loopback
    /// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918).
    case `private`
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    case carrierGradeNAT
    /// 169.254.0.0/16 (where cloud metadata services live), fe80::/10.
    case linkLocal
    /// fc00::/7 (RFC 4193).
    case uniqueLocal
    /// 0.0.0.0/8 ("this network"; connecting to 0.0.0.0 reaches the machine itself), ::/128.
    case unspecified
    /// 224.0.0.0/4, ff00::/8.
    case multicast
    /// Special-purpose or unallocated: documentation, benchmarking, protocol assignments,
    /// 240.0.0.0/4 and the broadcast address, and IPv6 outside 2000::/3.
    case reserved
}

/// A CIDR block: the addresses that share the first `prefixLength` bits of `base`.
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible {
    public var base: IPAddress
    public var prefixLength: Int

    /// `prefixLength` is clamped to the address size (32 or 128).
    public init(_ base: IPAddress, prefixLength: Int) {
        self.base = base
        self.prefixLength = max(0, min(prefixLength, base.bitCount))
    }

    /// Whether `address` is in the block (never across families).
    public func contains(_ address: IPAddress) -> Bool {
        switch (base, address) {
        case (.v4(let base), .v4(let other)):
            prefixLength == 0 || base >> (32 - prefixLength) == other >> (32 - prefixLength)
        case (.v6(let base), .v6(let other)):
            prefixLength == 0 || base >> (128 - prefixLength) == other >> (128 - prefixLength)
        default:
            false
        }
    }

    public var description: String { "\(base)/\(prefixLength)" }
}

extension IPAddress {
    /// 32 or 128.
    public var bitCount: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    /// Whether a server may reach this address on a supporter's say-so: only public addresses.
    public var isPublic: Bool { kind == .public }

    /// The address's kind. An IPv6 address that carries an IPv4 address (IPv4-mapped
    /// `::ffff:0:0/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) has the kind of that IPv4 address,
    /// since that is where a connection to it ends up.
    public var kind: AddressKind {
        if let embedded = embeddedIPv4 { return embedded.kind }
        let table =
            switch self {
            case .v4: Self.ipv4Kinds
            case .v6: Self.ipv6Kinds
            }
        if let match = table.first(where: { $0.range.contains(self) }) { return match.kind }
        if case .v6 = self, !Self.ipv6GlobalUnicast.contains(self) { return .reserved }
        return .public
    }

    /// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`), NAT64
    /// (`64:ff9b::a.b.c.d`, RFC 6052) or 6to4 (`2002:AABB:CCDD::/48`, RFC 3056). Nil otherwise.
    public var embeddedIPv4: IPAddress? {
        guard case .v6(let value) = self else { return nil }
        if Self.ipv4Mapped.contains(self) || Self.nat64.contains(self) {
            return .v4(UInt32(truncatingIfNeeded: value))
        }
        if Self.sixToFour.contains(self) {
            return .v4(UInt32(truncatingIfNeeded: value >> 80))
        }
        return nil
    }

    static let ipv4Mapped = IPAddressRange(.v6(0xffff << 32), prefixLength: 96)
    static let nat64 = IPAddressRange(.v6(0x64_ff9b << 96), prefixLength: 96)
    static let sixToFour = IPAddressRange(.v6(0x2002 << 112), prefixLength: 16)
    /// IANA's global unicast space; the rest of IPv6 is reserved (or one of the kinds below).
    static let ipv6GlobalUnicast = IPAddressRange(.v6(0x2000 << 112), prefixLength: 3)

    /// IPv4's special-purpose blocks (IANA registry, RFC 6890), first match wins.
    public static let ipv4Kinds: [(range: IPAddressRange, kind: AddressKind)] = [
        (v4(0, 0, 0, 0, 8), .unspecified),
        (v4(10, 0, 0, 0, 8), .private),
        (v4(100, 64, 0, 0, 10), .carrierGradeNAT),
        (v4(127, 0, 0, 0, 8), .loopback),
        (v4(169, 254, 0, 0, 16), .linkLocal),
        (v4(172, 16, 0, 0, 12), .private),
        (v4(192, 0, 0, 0, 24), .reserved),  // IETF protocol assignments
        (v4(192, 0, 2, 0, 24), .reserved),  // TEST-NET-1 (documentation)
        (v4(192, 88, 99, 0, 24), .reserved),  // former 6to4 relay anycast
        (v4(192, 168, 0, 0, 16), .private),
        (v4(198, 18, 0, 0, 15), .reserved),  // benchmarking
        (v4(198, 51, 100, 0, 24), .reserved),  // TEST-NET-2
        (v4(203, 0, 113, 0, 24), .reserved),  // TEST-NET-3
        (v4(224, 0, 0, 0, 4), .multicast),
        (v4(240, 0, 0, 0, 4), .reserved),  // future use, and 255.255.255.255 (broadcast)
    ]

    /// IPv6's special-purpose blocks, first match wins; outside 2000::/3 the rest is `reserved`.
    public static let ipv6Kinds: [(range: IPAddressRange, kind: AddressKind)] = [
        (v6(0, 128), .unspecified),  // ::
        (v6(1, 128), .loopback),  // ::1
        (v6(0x0064_ff9b_0001 << 80, 48), .reserved),  // 64:ff9b:1::/48, local-use NAT64
        (v6(0x0100 << 112, 64), .reserved),  // 100::/64, discard-only
        (v6(0x2001_0db8 << 96, 32), .reserved),  // 2001:db8::/32, documentation
        (v6(0x2001 << 112, 23), .reserved),  // 2001::/23, IETF protocol assignments (Teredo, benchmarking, ORCHID)
        (v6(0x3fff << 112, 20), .reserved),  // 3fff::/20, documentation
        (v6(0xfc00 << 112, 7), .uniqueLocal),  // fc00::/7
        (v6(0xfe80 << 112, 10), .linkLocal),  // fe80::/10
        (v6(0xfec0 << 112, 10), .reserved),  // fec0::/10, former site-local
        (v6(0xff00 << 112, 8), .multicast),  // ff00::/8
    ]

    private static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ prefix: Int) -> IPAddressRange {
        IPAddressRange(IPAddress(a, b, c, d), prefixLength: prefix)
    }

    private static func v6(_ value: UInt128, _ prefix: Int) -> IPAddressRange {
        IPAddressRange(.v6(value), prefixLength: prefix)
    }
}
