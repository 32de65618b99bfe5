import Hummingbird
import Logging
import NIOCore
// Not listed for this target in Package.swift; available through Hummingbird, which is built on it.
import ServiceLifecycle

/// Builds and starts `fake-graph` servers: in-process for tests, or as an application for the CLI.
public enum FakeGraphServer {
    /// A server start that failed before the port was bound.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts a server on a task of its own and returns once it listens.
    ///
    /// Stop it with ``RunningFakeGraph/stop()``. Logs go to `logger`; tokens are never logged.
    public static func start(
        configuration: FakeGraphConfiguration = FakeGraphConfiguration(),
        logger: Logger = Logger(label: "fake-graph")
    ) async throws -> RunningFakeGraph {
        let recorder = FakeGraphRecorder(capacity: configuration.maxRecordedRequests)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = makeApplication(
            configuration: configuration, recorder: recorder, logger: logger,
            onListening: { _, port in continuation.yield(port) })
        // A group of our own, without signal handlers, so stop() can shut the server down gracefully
        // (cancelling it instead makes Hummingbird log errors for open connections).
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let task = Task {
            // Ends the stream however the server ends, so a failed bind cannot leave start() waiting.
            defer { continuation.finish() }
            try await group.run()
        }
        for await port in ports {
            return RunningFakeGraph(
                host: configuration.host, port: port, recorder: recorder, task: task,
                shutdown: { await group.triggerGracefulShutdown() })
        }
        do {
            try await task.value
        } catch {
            throw StartError(description: "fake-graph could not start: \(error)")
        }
        throw StartError(description: "fake-graph stopped before it listened")
    }

    /// The application for `configuration`; run it with `runService()` (the CLI) or `run()`.
    ///
    /// `onListening` gets the bound host and port once the server accepts connections.
    public static func makeApplication(
        configuration: FakeGraphConfiguration, logger: Logger,
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) -> some ApplicationProtocol {
        makeApplication(
            configuration: configuration, recorder: FakeGraphRecorder(capacity: configuration.maxRecordedRequests),
            logger: logger, onListening: onListening)
    }

    static func makeApplication(
        configuration: FakeGraphConfiguration, recorder: FakeGraphRecorder, logger: Logger,
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        let routes = FakeGraphRoutes(configuration: configuration, recorder: recorder, logger: logger)
        routes.add(to: router)
        return Application(
            router: router,
            server: .http1(
                configuration: .init(additionalChannelHandlers: [FakeGraphSendChannelHandler(routes: routes)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let address = channel.localAddress
                await onListening(address?.ipAddress ?? configuration.host, address?.port ?? configuration.port)
            },
            logger: logger)
    }
}
