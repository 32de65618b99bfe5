import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// A real HTTP/1.1 server on 127.0.0.1 and an ephemeral port, so libcurl is tested end to end
/// without leaving the machine. Routes live in ``TestHTTPHandler``.
final class TestHTTPServer: Sendable {
    // TCP connections accepted so far; lets tests observe keep-alive.
    private let acceptedConnections: Atomic<Int>
    private let boundPort: Atomic<Int>

    private init() {
        acceptedConnections = Atomic(0)
        boundPort = Atomic(0)
    }

    /// How many TCP connections the server has accepted.
    var connectionCount: Int { acceptedConnections.load(ordering: .relaxed) }

    /// The port the server listens on.
    var port: Int { boundPort.load(ordering: .acquiring) }

    /// An absolute URL on this server.
    func url(_ pathAndQuery: String) -> String {
        "http://127.0.0.1:\(port)\(pathAndQuery)"
    }

    /// Starts a server, runs `body`, and always closes the listening socket afterwards.
    static func with<T>(_ body: (TestHTTPServer) async throws -> T) async throws -> T {
        let server = TestHTTPServer()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [server] channel in
                server.acceptedConnections.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TestHTTPHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        server.boundPort.store(listener.localAddress?.port ?? 0, ordering: .releasing)
        do {
            let result = try await body(server)
            try await listener.close()
            return result
        } catch {
            try? await listener.close()
            throw error
        }
    }

}
