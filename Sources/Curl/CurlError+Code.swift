import CCurl

extension CurlError {
    /// A `CURLcode` (non-negative) or a Herald-level condition (negative), as an extensible raw value.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The `CURLcode` value, or a negative Herald-level code.
        public var rawValue: Int32

        /// Wraps a raw code.
        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        init(_ code: CURLcode) {
            self.rawValue = Int32(bitPattern: code.rawValue)
        }

        // MARK: Herald-level codes (negative, never produced by libcurl)

        /// The body grew past `CurlConfiguration.maxResponseBodyBytes`; the transfer was aborted.
        public static let responseTooLarge = Code(rawValue: -1)
        /// The ``HTTPClient`` was shut down before the request was queued.
        public static let clientShutdown = Code(rawValue: -2)
        /// The request cannot be sent as given, e.g. a header containing CR or LF (header injection).
        public static let invalidRequest = Code(rawValue: -3)
        /// The `CurlConfiguration.addressPolicy` refused the address a connection was about to be
        /// made to (a URL that leads to a loopback, private, link-local... address). No connection
        /// to it was made.
        public static let addressRefused = Code(rawValue: -4)

        // MARK: libcurl codes

        /// `CURLE_UNSUPPORTED_PROTOCOL`: the scheme is not http or https.
        public static let unsupportedProtocol = Code(CURLE_UNSUPPORTED_PROTOCOL)
        /// `CURLE_FAILED_INIT`: an easy handle could not be created or configured.
        public static let failedInit = Code(CURLE_FAILED_INIT)
        /// `CURLE_URL_MALFORMAT`: the URL could not be parsed.
        public static let urlMalformed = Code(CURLE_URL_MALFORMAT)
        /// `CURLE_COULDNT_RESOLVE_PROXY`: the proxy host name did not resolve.
        public static let couldNotResolveProxy = Code(CURLE_COULDNT_RESOLVE_PROXY)
        /// `CURLE_COULDNT_RESOLVE_HOST`: the host name did not resolve.
        public static let couldNotResolveHost = Code(CURLE_COULDNT_RESOLVE_HOST)
        /// `CURLE_COULDNT_CONNECT`: the TCP connection was refused or unreachable.
        public static let couldNotConnect = Code(CURLE_COULDNT_CONNECT)
        /// `CURLE_WEIRD_SERVER_REPLY`: the server did not speak HTTP.
        public static let weirdServerReply = Code(CURLE_WEIRD_SERVER_REPLY)
        /// `CURLE_WRITE_ERROR`: a write callback failed (other than the body cap).
        public static let writeError = Code(CURLE_WRITE_ERROR)
        /// `CURLE_OUT_OF_MEMORY`: libcurl could not allocate.
        public static let outOfMemory = Code(CURLE_OUT_OF_MEMORY)
        /// `CURLE_OPERATION_TIMEDOUT`: the connect or total timeout elapsed.
        public static let operationTimedOut = Code(CURLE_OPERATION_TIMEDOUT)
        /// `CURLE_SSL_CONNECT_ERROR`: the TLS handshake failed.
        public static let sslConnectError = Code(CURLE_SSL_CONNECT_ERROR)
        /// `CURLE_TOO_MANY_REDIRECTS`: more than `maxRedirects` redirects.
        public static let tooManyRedirects = Code(CURLE_TOO_MANY_REDIRECTS)
        /// `CURLE_GOT_NOTHING`: the server closed the connection without replying.
        public static let gotNothing = Code(CURLE_GOT_NOTHING)
        /// `CURLE_SEND_ERROR`: sending on the socket failed.
        public static let sendError = Code(CURLE_SEND_ERROR)
        /// `CURLE_RECV_ERROR`: receiving on the socket failed.
        public static let receiveError = Code(CURLE_RECV_ERROR)
        /// `CURLE_PEER_FAILED_VERIFICATION`: the server certificate or name did not verify.
        public static let peerFailedVerification = Code(CURLE_PEER_FAILED_VERIFICATION)
        /// `CURLE_BAD_CONTENT_ENCODING`: the body's content encoding could not be decoded.
        public static let badContentEncoding = Code(CURLE_BAD_CONTENT_ENCODING)

        /// The constant's name for well-known codes, otherwise the raw number.
        public var description: String {
            switch self {
            case .responseTooLarge: "responseTooLarge"
            case .clientShutdown: "clientShutdown"
            case .invalidRequest: "invalidRequest"
            case .addressRefused: "addressRefused"
            case .unsupportedProtocol: "unsupportedProtocol"
            case .failedInit: "failedInit"
            case .urlMalformed: "urlMalformed"
            case .couldNotResolveProxy: "couldNotResolveProxy"
            case .couldNotResolveHost: "couldNotResolveHost"
            case .couldNotConnect: "couldNotConnect"
            case .weirdServerReply: "weirdServerReply"
            case .writeError: "writeError"
            case .outOfMemory: "outOfMemory"
            case .operationTimedOut: "operationTimedOut"
            case .sslConnectError: "sslConnectError"
            case .tooManyRedirects: "tooManyRedirects"
            case .gotNothing: "gotNothing"
            case .sendError: "sendError"
            case .receiveError: "receiveError"
            case .peerFailedVerification: "peerFailedVerification"
            case .badContentEncoding: "badContentEncoding"
            default: "code(\(rawValue))"
            }
        }

        /// libcurl's generic text for this code; used when the error buffer is empty.
        var genericMessage: String {
            switch self {
            case .responseTooLarge: "response body exceeds the configured limit"
            case .clientShutdown: "HTTP client is shut down"
            case .invalidRequest: "request cannot be sent as given"
            case .addressRefused: "the address is not publicly reachable; refused by the address policy"
            default: String(cString: curl_easy_strerror(CURLcode(rawValue: UInt32(bitPattern: rawValue))))
            }
        }
    }
}
