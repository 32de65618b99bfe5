import Curl
import Testing

/// The address classifier behind outbound URL safety: pure functions over bytes, no connection.
/// Every blocked block is tested at its first and last address and at the addresses just outside
/// it on both sides.
@Suite("Address kinds: which addresses are public")
struct AddressKindTests {
    struct Sample: Sendable, CustomTestStringConvertible {
        var address: String
        var kind: AddressKind
        var testDescription: String { "\(address) is \(kind.rawValue)" }

        init(_ address: String, _ kind: AddressKind) {
            self.address = address
            self.kind = kind
        }
    }

    static let ipv4: [Sample] = [
        // 0.0.0.0/8, "this network"
        Sample("0.0.0.0", .unspecified), Sample("0.0.0.1", .unspecified), Sample("0.255.255.255", .unspecified),
        Sample("1.0.0.0", .public),
        // 10.0.0.0/8
        Sample("9.255.255.255", .public), Sample("10.0.0.0", .private), Sample("10.255.255.255", .private),
        Sample("11.0.0.0", .public),
        // 100.64.0.0/10, carrier-grade NAT
        Sample("100.63.255.255", .public), Sample("100.64.0.0", .carrierGradeNAT),
        Sample("100.127.255.255", .carrierGradeNAT), Sample("100.128.0.0", .public),
        // 127.0.0.0/8
        Sample("126.255.255.255", .public), Sample("127.0.0.0", .loopback), Sample("127.0.0.1", .loopback),
        Sample("127.0.0.2", .loopback), Sample("127.255.255.255", .loopback), Sample("128.0.0.0", .public),
        // 169.254.0.0/16, link-local and cloud metadata
        Sample("169.253.255.255", .public), Sample("169.254.0.0", .linkLocal), Sample("169.254.169.254", .linkLocal),
        Sample("169.254.255.255", .linkLocal), Sample("169.255.0.0", .public),
        // 172.16.0.0/12
        Sample("172.15.255.255", .public), Sample("172.16.0.0", .private), Sample("172.31.255.255", .private),
        Sample("172.32.0.0", .public),
        // 192.0.0.0/24, 192.0.2.0/24
        Sample("191.255.255.255", .public), Sample("192.0.0.0", .reserved), Sample("192.0.0.255", .reserved),
        Sample("192.0.1.0", .public), Sample("192.0.1.255", .public), Sample("192.0.2.0", .reserved),
        Sample("192.0.2.255", .reserved), Sample("192.0.3.0", .public),
        // 192.88.99.0/24
        Sample("192.88.98.255", .public), Sample("192.88.99.0", .reserved), Sample("192.88.99.255", .reserved),
        Sample("192.88.100.0", .public),
        // 192.168.0.0/16
        Sample("192.167.255.255", .public), Sample("192.168.0.0", .private), Sample("192.168.255.255", .private),
        Sample("192.169.0.0", .public),
        // 198.18.0.0/15, benchmarking
        Sample("198.17.255.255", .public), Sample("198.18.0.0", .reserved), Sample("198.19.255.255", .reserved),
        Sample("198.20.0.0", .public),
        // 198.51.100.0/24, 203.0.113.0/24
        Sample("198.51.99.255", .public), Sample("198.51.100.0", .reserved), Sample("198.51.100.255", .reserved),
        Sample("198.51.101.0", .public), Sample("203.0.112.255", .public), Sample("203.0.113.0", .reserved),
        Sample("203.0.113.255", .reserved), Sample("203.0.114.0", .public),
        // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, broadcast
        Sample("223.255.255.255", .public), Sample("224.0.0.0", .multicast), Sample("239.255.255.255", .multicast),
        Sample("240.0.0.0", .reserved), Sample("255.255.255.254", .reserved), Sample("255.255.255.255", .reserved),
        // Public
        Sample("8.8.8.8", .public), Sample("1.1.1.1", .public), Sample("93.184.216.34", .public),
        Sample("157.240.1.35", .public),
    ]

    static let ipv6: [Sample] = [
        Sample("::", .unspecified), Sample("::1", .loopback), Sample("::2", .reserved),
        // IPv4-mapped ::ffff:0:0/96: the IPv4 address decides
        Sample("::ffff:127.0.0.1", .loopback), Sample("::ffff:7f00:1", .loopback), Sample("::ffff:10.1.2.3", .private),
        Sample("::ffff:169.254.169.254", .linkLocal), Sample("::ffff:0.0.0.0", .unspecified),
        Sample("::ffff:100.64.0.1", .carrierGradeNAT), Sample("::ffff:8.8.8.8", .public),
        Sample("::fffe:ffff:ffff", .reserved), Sample("::1:0:0:0", .reserved),
        // IPv4-compatible (deprecated) is not mapped: reserved
        Sample("::127.0.0.1", .reserved), Sample("::8.8.8.8", .reserved),
        // NAT64 64:ff9b::/96: the IPv4 address decides; the local-use /48 is reserved
        Sample("64:ff9b::127.0.0.1", .loopback), Sample("64:ff9b::a9fe:a9fe", .linkLocal),
        Sample("64:ff9b::192.168.1.1", .private), Sample("64:ff9b::8.8.8.8", .public),
        Sample("64:ff9b::1:0:0", .reserved), Sample("64:ff9b:1::8.8.8.8", .reserved),
        // 100::/64, discard-only
        Sample("100::", .reserved), Sample("100::ffff:ffff:ffff:ffff", .reserved),
        // 2001::/23 (Teredo, benchmarking, ORCHID), 2001:db8::/32 documentation
        Sample("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), Sample("2000::", .public),
        Sample("2001::", .reserved), Sample("2001:0:4136:e378:8000:63bf:3fff:fdd2", .reserved),
        Sample("2001:2::1", .reserved), Sample("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved),
        Sample("2001:200::", .public),
        Sample("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", .public), Sample("2001:db8::", .reserved),
        Sample("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), Sample("2001:db9::", .public),
        // 6to4 2002::/16: the IPv4 address in bits 16-47 decides
        Sample("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .public), Sample("2002:7f00:1::", .loopback),
        Sample("2002:a00:1::1", .private), Sample("2002:a9fe:a9fe::", .linkLocal), Sample("2002::", .unspecified),
        Sample("2002:808:808::1", .public), Sample("2003::", .public),
        // 3fff::/20 documentation
        Sample("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .public), Sample("3fff::", .reserved),
        Sample("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), Sample("3fff:1000::", .public),
        Sample("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .public), Sample("4000::", .reserved),
        // fc00::/7 unique-local, fe80::/10 link-local, fec0::/10 former site-local, ff00::/8 multicast
        Sample("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), Sample("fc00::", .uniqueLocal),
        Sample("fd00::1", .uniqueLocal), Sample("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .uniqueLocal),
        Sample("fe00::", .reserved), Sample("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved),
        Sample("fe80::", .linkLocal), Sample("fe80::1", .linkLocal),
        Sample("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .linkLocal), Sample("fec0::", .reserved),
        Sample("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), Sample("ff00::", .multicast),
        Sample("ff02::1", .multicast), Sample("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .multicast),
        // Public
        Sample("2606:4700:4700::1111", .public), Sample("2a03:2880:f10c:83:face:b00c:0:25de", .public),
        Sample("2620:0:2d0:200::7", .public),
    ]

    @Test("IPv4: each special-purpose block, its edges and its neighbours", arguments: ipv4)
    func ipv4Kind(_ sample: Sample) throws {
        let address = try #require(IPAddress(sample.address))
        #expect(address.kind == sample.kind)
        #expect(address.isPublic == (sample.kind == .public))
    }

    @Test("IPv6: each special-purpose block, its edges and neighbours; embedded IPv4 decides", arguments: ipv6)
    func ipv6Kind(_ sample: Sample) throws {
        let address = try #require(IPAddress(sample.address))
        #expect(address.kind == sample.kind)
        #expect(address.isPublic == (sample.kind == .public))
    }

    @Test("every listed block holds its first and last address and nothing of the other family")
    func rangeTables() {
        for (range, _) in IPAddress.ipv4Kinds + IPAddress.ipv6Kinds {
            let bits = range.base.bitCount
            let first = range.base
            let last: IPAddress =
                switch first {
                case .v4(let value): .v4(value | (range.prefixLength == 32 ? 0 : UInt32.max >> range.prefixLength))
                case .v6(let value): .v6(value | (range.prefixLength == 128 ? 0 : UInt128.max >> range.prefixLength))
                }
            #expect(range.contains(first), "\(range)")
            #expect(range.contains(last), "\(range)")
            #expect(!first.isPublic && !last.isPublic, "\(range)")
            #expect(!range.contains(bits == 32 ? .v6(0) : .v4(0)), "\(range)")
        }
    }

    @Test("embedded IPv4 addresses are read from mapped, NAT64 and 6to4 addresses only")
    func embedded() throws {
        #expect(try #require(IPAddress("::ffff:1.2.3.4")).embeddedIPv4 == IPAddress(1, 2, 3, 4))
        #expect(try #require(IPAddress("64:ff9b::1.2.3.4")).embeddedIPv4 == IPAddress(1, 2, 3, 4))
        #expect(try #require(IPAddress("2002:102:304::")).embeddedIPv4 == IPAddress(1, 2, 3, 4))
        #expect(try #require(IPAddress("::1.2.3.4")).embeddedIPv4 == nil)
        #expect(try #require(IPAddress("2001:db8::1.2.3.4")).embeddedIPv4 == nil)
        #expect(IPAddress(1, 2, 3, 4).embeddedIPv4 == nil)
    }
}

/// Address literals in every spelling libcurl or the resolver accepts, parsed without a lookup.
@Suite("IPAddress literals")
struct IPAddressLiteralTests {
    @Test(
        "IPv4 in decimal, octal, hex and short forms is the address it spells",
        arguments: [
            ("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
            ("017700000001", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0X7F000001", "127.0.0.1"),
            ("127.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("0177.0.0.01", "127.0.0.1"),
            ("0x7F.0x0.0x0.0x1", "127.0.0.1"), ("127.0.0.1.", "127.0.0.1"), ("0", "0.0.0.0"), ("0x0", "0.0.0.0"),
            ("00", "0.0.0.0"), ("169.254.43518", "169.254.169.254"), ("0xa9fea9fe", "169.254.169.254"),
            ("2852039166", "169.254.169.254"), ("0251.0376.0251.0376", "169.254.169.254"), ("10.1", "10.0.0.1"),
            ("3232235521", "192.168.0.1"), ("4294967295", "255.255.255.255"), ("8.8.8.8", "8.8.8.8"),
        ])
    func ipv4Forms(literal: String, address: String) throws {
        #expect(try #require(IPAddress(literal)).description == address)
        #expect(IPAddress(literal)?.bytes.count == 4)
    }

    @Test(
        "IPv6 with or without brackets and zone",
        arguments: [
            ("::1", "::1"), ("[::1]", "::1"), ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
            ("::ffff:7f00:1", "::ffff:127.0.0.1"), ("[fe80::1%25eth0]", "fe80::1"), ("fe80::1%eth0", "fe80::1"),
            ("[0:0:0:0:0:0:0:1]", "::1"), ("[::]", "::"), ("2001:DB8::A", "2001:db8::a"),
        ])
    func ipv6Forms(literal: String, address: String) throws {
        #expect(try #require(IPAddress(literal)).description == address)
    }

    @Test(
        "host names and out-of-range numbers are not addresses",
        arguments: [
            "", "localhost", "example.com", "256.0.0.1", "1.2.3.256", "1.2.3.4.5", "4294967296", "0x100000000",
            "1.16777216", "08", "09.1.1.1", "0x", "0xg", "1..1", ".1", "1.2.3.4..", "127.0.0.1a", "+1", "-1",
            " 1.2.3.4", "1.2.3.4 ", "１２７.０.０.１", "[::1", "::1]", "[]", ":::1", "[127.0.0.1]", "1:2:3:4:5:6:7:8:9",
            "0x7f.example", "123.example.com",
        ])
    func notAnAddress(literal: String) {
        #expect(IPAddress(literal) == nil)
    }

    @Test("bytes round-trip and ranges compare by prefix")
    func bytesAndRanges() throws {
        let address = IPAddress(192, 168, 1, 2)
        #expect(address.bytes == [192, 168, 1, 2])
        #expect(IPAddress(bytes: address.bytes) == address)
        let six = try #require(IPAddress("2001:db8::1"))
        #expect(IPAddress(bytes: six.bytes) == six)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        let range = IPAddressRange(IPAddress(10, 0, 0, 0), prefixLength: 8)
        #expect(range.contains(IPAddress(10, 200, 1, 1)))
        #expect(!range.contains(IPAddress(11, 0, 0, 0)))
        #expect(IPAddressRange(IPAddress(0, 0, 0, 0), prefixLength: 0).contains(IPAddress(255, 1, 2, 3)))
    }
}

/// The policy: what is allowed, and which URLs are refused before any lookup.
@Suite("AddressPolicy")
struct AddressPolicyTests {
    @Test("public only by default; every address with allowsPrivateAddresses; a test endpoint by address and port")
    func allows() throws {
        let loopback = IPAddress(127, 0, 0, 1)
        #expect(AddressPolicy.publicOnly.allows(IPAddress(8, 8, 8, 8), port: 443))
        #expect(!AddressPolicy.publicOnly.allows(loopback, port: 80))
        #expect(!AddressPolicy().allows(IPAddress(169, 254, 169, 254), port: 80))
        #expect(AddressPolicy.anyAddress.allows(loopback, port: 80))
        #expect(AddressPolicy.anyAddress.allows(try #require(IPAddress("::1")), port: 5432))
        let testing = AddressPolicy(allowedForTesting: [.init(address: loopback, port: 8080)])
        #expect(testing.allows(loopback, port: 8080))
        #expect(!testing.allows(loopback, port: 8081))
        #expect(!testing.allows(IPAddress(127, 0, 0, 2), port: 8080))
    }

    @Test(
        "the address and port of a URL whose host is a literal, in any spelling",
        arguments: [
            ("http://127.0.0.1/", "127.0.0.1:80"), ("https://127.0.0.1/a.png", "127.0.0.1:443"),
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080"), ("HTTP://2130706433/", "127.0.0.1:80"),
            ("http://0x7f.1/", "127.0.0.1:80"), ("http://017700000001/", "127.0.0.1:80"),
            ("http://127.1:81", "127.0.0.1:81"), ("http://user:pw@10.0.0.1/", "10.0.0.1:80"),
            ("http://example.com@169.254.169.254/latest", "169.254.169.254:80"), ("http://[::1]:81/", "[::1]:81"),
            ("http://[::ffff:127.0.0.1]/", "[::ffff:127.0.0.1]:80"), ("https://[fe80::1%25eth0]/", "[fe80::1]:443"),
            ("http://１２７.０.０.１/", "127.0.0.1:80"), ("http://127。0。0。1/", "127.0.0.1:80"),
            ("http://%31%32%37.0.0.1/", "127.0.0.1:80"), ("http://127.0.0.1./", "127.0.0.1:80"),
            ("http://127.0.0.1?x=1", "127.0.0.1:80"), ("http://127.0.0.1#top", "127.0.0.1:80"),
            ("http://0.0.0.0:5432/", "0.0.0.0:5432"), ("https://8.8.8.8/", "8.8.8.8:443"),
        ])
    func literalEndpoint(url: String, endpoint: String) throws {
        #expect(try #require(AddressPolicy.literalEndpoint(of: url)).description == endpoint)
    }

    @Test(
        "a host name, or a URL that is not http(s), has no literal endpoint",
        arguments: [
            "http://localhost/", "https://cdn.example.com/a.png", "http://127.0.0.1.example.com/",
            "ftp://127.0.0.1/", "127.0.0.1", "http://127.0.0.1@example.com/", "http:///127.0.0.1/", "",
        ])
    func noLiteral(url: String) {
        #expect(AddressPolicy.literalEndpoint(of: url) == nil)
    }

    @Test("refusesLiteralHost: non-public literals are refused, public ones and names are not")
    func refusesLiteralHost() {
        let policy = AddressPolicy.publicOnly
        for url in [
            "http://127.0.0.1/", "http://[::1]/", "http://169.254.169.254/", "http://2130706433/", "http://10.1/",
        ] {
            #expect(policy.refusesLiteralHost(of: url), "\(url)")
            #expect(!AddressPolicy.anyAddress.refusesLiteralHost(of: url), "\(url)")
        }
        for url in ["https://8.8.8.8/", "https://cdn.example.com/", "http://localhost/", "not a url"] {
            #expect(!policy.refusesLiteralHost(of: url), "\(url)")
        }
        let testing = AddressPolicy(allowedForTesting: [.init(address: IPAddress(127, 0, 0, 1), port: 9000)])
        #expect(!testing.refusesLiteralHost(of: "http://127.0.0.1:9000/a"))
        #expect(testing.refusesLiteralHost(of: "http://127.0.0.1:9001/a"))
    }
}
