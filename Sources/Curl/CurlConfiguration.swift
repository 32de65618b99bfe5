/// Limits and identity applied to every transfer made by ``CurlEasy`` and ``HTTPClient``.
public struct CurlConfiguration: Sendable {
    /// Time allowed to establish the TCP (and TLS) connection. Default: 5 seconds.
    public var connectTimeout: Duration
    /// Time allowed for the whole transfer, connection included. Default: 30 seconds.
    public var totalTimeout: Duration
    /// Largest response body accepted before failing with `.responseTooLarge`. Default: 1 MiB.
    public var maxResponseBodyBytes: Int
    /// The `User-Agent` header sent with every request. Default: `"herald"`.
    public var userAgent: String
    /// Whether `3xx` responses are followed (http/https only). Default: `false`.
    public var followRedirects: Bool
    /// Most redirects followed when `followRedirects` is on. Default: 5.
    public var maxRedirects: Int
    /// Proxy URL; `nil` connects directly and, unlike libcurl's default, ignores `http_proxy` and
    /// friends in the environment (only the CLI reads the environment). Default: `nil`.
    public var proxy: String?
    /// Which addresses connections may go to; nil: any. When set, every connection (each address
    /// tried, each redirect hop) is checked right before it is made and a refused one fails the
    /// transfer with `.addressRefused`, and no proxy is used, whatever `proxy` says: a proxy would
    /// connect on Herald's behalf to an address never checked. Default: `nil`.
    public var addressPolicy: AddressPolicy?
    /// Worker threads (each with its own connection) used by ``HTTPClient``. Default: 4.
    public var threadCount: Int

    /// Creates a configuration; every parameter defaults to the value documented on its property.
    public init(
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(30),
        maxResponseBodyBytes: Int = 1 << 20,
        userAgent: String = "herald",
        followRedirects: Bool = false,
        maxRedirects: Int = 5,
        proxy: String? = nil,
        addressPolicy: AddressPolicy? = nil,
        threadCount: Int = 4
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.userAgent = userAgent
        self.followRedirects = followRedirects
        self.maxRedirects = maxRedirects
        self.proxy = proxy
        self.addressPolicy = addressPolicy
        self.threadCount = threadCount
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a tiny positive timeout never becomes 0 ("no timeout").
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1000 - 1 else { return Int.max }
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(clamping: max(millis, 1))
    }
}
