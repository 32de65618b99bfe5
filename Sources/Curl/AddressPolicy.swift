import Foundation

/// Which addresses a transfer may connect to, for URLs that someone outside the operators chose
/// (a supporter's image or file URL): by default only public ones, so such a URL cannot make a
/// Herald process reach cloud metadata (169.254.169.254), its own database on 127.0.0.1, or the
/// internal network.
///
/// Set on ``CurlConfiguration/addressPolicy``, it is applied by libcurl's open-socket callback to
/// the very address each connection is made to, after name resolution, on every redirect hop; a
/// refused address fails the transfer with ``CurlError/Code/addressRefused``.
public struct AddressPolicy: Sendable, Hashable {
    /// An address and TCP port.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var address: IPAddress
        public var port: Int

        public init(address: IPAddress, port: Int) {
            self.address = address
            self.port = port
        }

        public var description: String {
            switch address {
            case .v4: "\(address):\(port)"
            case .v6: "[\(address)]:\(port)"
            }
        }
    }

    /// Any address may be reached, private and loopback ones included
    /// (`HERALD_ALLOW_PRIVATE_URLS=true`: tests and demos whose files are on loopback).
    public var allowsPrivateAddresses: Bool
    /// Endpoints reached as if they were public although their address is not. Only for tests:
    /// a loopback server can play a public host, to prove that a redirect from it to a loopback
    /// one is still refused.
    public var allowedForTesting: Set<Endpoint>

    public init(allowsPrivateAddresses: Bool = false, allowedForTesting: Set<Endpoint> = []) {
        self.allowsPrivateAddresses = allowsPrivateAddresses
        self.allowedForTesting = allowedForTesting
    }

    /// Public addresses only: the default.
    public static let publicOnly = AddressPolicy()
    /// Every address (`HERALD_ALLOW_PRIVATE_URLS=true`).
    public static let anyAddress = AddressPolicy(allowsPrivateAddresses: true)

    /// Whether a connection to `address`:`port` is allowed.
    public func allows(_ address: IPAddress, port: Int) -> Bool {
        allowsPrivateAddresses || address.isPublic || allowedForTesting.contains(Endpoint(address: address, port: port))
    }

    /// Whether `url` is refused before any lookup: its host is an address literal (any spelling,
    /// see ``literalEndpoint(of:)``) this policy does not allow. A host name is never refused
    /// here; where it leads is checked when the connection is made.
    public func refusesLiteralHost(of url: String) -> Bool {
        guard let endpoint = Self.literalEndpoint(of: url) else { return false }
        return !allows(endpoint.address, port: endpoint.port)
    }

    /// The address and port an `http`/`https` URL names when its host is an address literal in
    /// any form libcurl or a resolver would connect to: `http://2130706433/`, `http://0x7f.1/`,
    /// `http://[::ffff:127.0.0.1]:8080/`, and also spellings an IDNA-aware client would map to
    /// one (full-width digits and dots, percent-escapes). Nil for a host name or a URL without an
    /// http(s) scheme and host. The port defaults to 80 or 443.
    public static func literalEndpoint(of url: String) -> Endpoint? {
        guard let separator = url.range(of: "://") else { return nil }
        let defaultPort: Int
        switch url[..<separator.lowerBound].lowercased() {
        case "http": defaultPort = 80
        case "https": defaultPort = 443
        default: return nil
        }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != "\\" }
        // User info ends at the last "@" of the authority.
        let hostAndPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        var host: Substring
        var portText: Substring = ""
        if hostAndPort.first == "[" {
            guard let close = hostAndPort.firstIndex(of: "]") else { return nil }
            host = hostAndPort[...close]
            portText = hostAndPort[hostAndPort.index(after: close)...].drop { $0 == ":" }
        } else if let colon = hostAndPort.firstIndex(of: ":") {
            host = hostAndPort[..<colon]
            portText = hostAndPort[hostAndPort.index(after: colon)...]
        } else {
            host = hostAndPort
        }
        guard !host.isEmpty, let address = IPAddress(normalizedHost(host)) else { return nil }
        let port = Int(portText).flatMap { (0...65_535).contains($0) ? $0 : nil } ?? defaultPort
        return Endpoint(address: address, port: port)
    }

    /// The host as a lenient client would look it up: percent-escapes decoded, Unicode
    /// compatibility forms folded (NFKC turns full-width digits and dots into ASCII, as IDNA
    /// mapping does) and the ideographic full stops read as dots.
    private static func normalizedHost(_ host: Substring) -> String {
        var text = String(host)
        if text.contains("%"), text.first != "[", let decoded = text.removingPercentEncoding { text = decoded }
        text = text.precomposedStringWithCompatibilityMapping
        for dot in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] { text = text.replacingOccurrences(of: dot, with: ".") }
        return text
    }
}
