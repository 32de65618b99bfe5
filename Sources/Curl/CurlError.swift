import CCurl

/// A failed transfer: no complete HTTP response was obtained.
///
/// A struct rather than an enum so new codes never break callers; branch on `code`, never on
/// `message`. The URL is stored without user info, query or fragment because those carry tokens.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// What went wrong: a `CURLcode`, or one of Herald's own negative codes.
    public var code: Code
    /// libcurl's error-buffer text (or its generic text for `code`), with the query string scrubbed.
    public var message: String
    /// The request URL with user info, query string and fragment removed.
    public var url: String

    /// Creates an error; `url` is redacted here so no caller can store a secret by accident.
    public init(code: Code, message: String, url: String) {
        self.code = code
        self.url = CurlError.redact(url)
        self.message = CurlError.scrub(message, secretsOf: url)
    }

    /// The transfer ran out of time (connect or total timeout).
    public var isTimeout: Bool { code == .operationTimedOut }

    /// The address policy refused where the URL (or one of its redirects) leads; nothing was sent.
    /// Not a connection failure: retrying cannot change it.
    public var isAddressRefused: Bool { code == .addressRefused }

    /// No usable connection: name resolution, TCP/TLS setup, or the connection broke mid-transfer.
    public var isConnectionFailure: Bool {
        switch code {
        case .couldNotResolveHost, .couldNotResolveProxy, .couldNotConnect, .sslConnectError,
            .sendError, .receiveError, .gotNothing:
            true
        default:
            false
        }
    }

    /// A one-line summary that never contains the query string or credentials.
    public var description: String {
        let location = url.isEmpty ? "" : " (\(url))"
        return "CurlError.\(code): \(message)\(location)"
    }

    /// The URL up to its path: drops `user:password@`, `?query` and `#fragment`.
    static func redact(_ url: String) -> String {
        var result = Substring(url)
        if let cut = result.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            result = result[..<cut]
        }
        // User info sits between "//" and the first "@" that precedes the path.
        if let schemeEnd = result.firstRange(of: "//") {
            let authorityEnd = result[schemeEnd.upperBound...].firstIndex(of: "/") ?? result.endIndex
            let authority = result[schemeEnd.upperBound..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                result = result[..<schemeEnd.upperBound] + result[result.index(after: at)...]
            }
        }
        return String(result)
    }

    /// Removes the URL's query string from `message`, in case libcurl ever echoes the full URL.
    private static func scrub(_ message: String, secretsOf url: String) -> String {
        guard let start = url.firstIndex(of: "?") else { return message }
        let query = String(url[url.index(after: start)...])
        guard !query.isEmpty else { return message }
        return message.replacing(query, with: "<redacted>")
    }
}
