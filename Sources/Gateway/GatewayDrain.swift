import Logging
import NIOCore
import ServiceLifecycle

/// The first step of a gateway's graceful shutdown: from the moment SIGTERM arrives `/readyz`
/// answers 503, while the listener keeps accepting, so a load balancer sees the replica leave
/// and stops sending before its connections are refused.
///
/// List it last in the `ServiceGroup` (services stop last-to-first, so it hears the shutdown
/// first). It returns, and lets the HTTP server close its listener, once no request has arrived
/// for `quietPeriod` (2 s) or one read timeout after the signal, whichever is sooner; reads in
/// progress are cut at that same read timeout (`ConnectionGuardHandler`), so shutdown takes at
/// most the read timeout plus the batcher's flush whatever clients do.
public struct GatewayDrain: Service {
    let connections: GatewayConnections
    let quietPeriod: TimeAmount
    let logger: Logger

    public init(connections: GatewayConnections, quietPeriod: Duration = .seconds(2), logger: Logger) {
        self.connections = connections
        self.quietPeriod = TimeAmount(quietPeriod)
        self.logger = logger
    }

    public func run() async throws {
        // Cancelled rather than shut down gracefully: nothing to drain for.
        guard (try? await gracefulShutdown()) != nil else { return }
        connections.beginDrain()
        logger.info(
            "draining: /readyz answers 503 until requests stop arriving",
            metadata: ["herald.http.connections": "\(connections.openCount)"])
        while !connections.drainFinished(quiet: quietPeriod) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        logger.info("drained: closing the listener", metadata: ["herald.http.connections": "\(connections.openCount)"])
    }
}
