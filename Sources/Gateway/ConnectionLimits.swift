/// How long the gateway waits for clients, and how many it serves at once
/// (`HERALD_READ_TIMEOUT_SECONDS`, `HERALD_IDLE_TIMEOUT_SECONDS`, `HERALD_MAX_CONNECTIONS`).
///
/// Without them a client that sends a request's headers and then a byte at a time, or nothing,
/// holds a connection (and a file descriptor, and buffers) for as long as it likes, and a few
/// thousand such clients keep a gateway from ever finishing a graceful shutdown.
public struct ConnectionLimits: Sendable {
    /// A request's headers and body must have arrived within this time from its first byte (or,
    /// for a connection's first request, from the moment it was accepted). Default: 30 s.
    public var readTimeout: Duration
    /// A keep-alive connection that carries no request for this long after its last answer is
    /// closed. Default: 60 s.
    public var idleTimeout: Duration
    /// Open connections at most; the ones past it are closed as soon as they are accepted.
    /// Default: 10,000.
    public var maxConnections: Int

    public init(
        readTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60), maxConnections: Int = 10_000
    ) {
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = max(1, maxConnections)
    }
}
