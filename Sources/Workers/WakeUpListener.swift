import Logging
import Postgres
import ServiceLifecycle

/// Listens for the NOTIFYs that announce new work and rings the matching workers' doorbells.
/// After a reconnect it rings every one, since notifications sent meanwhile were lost.
public final class WakeUpListener: Service, Sendable {
    private let listener: PostgresListener
    private let routes: [String: [@Sendable () -> Void]]

    /// `routes` maps a channel to the wake-ups it triggers.
    public init(configuration: PostgresConfiguration, routes: [String: [@Sendable () -> Void]], logger: Logger) {
        self.listener = PostgresListener(configuration: configuration, channels: Array(routes.keys), logger: logger)
        self.routes = routes
    }

    /// Returns once LISTEN is in place (for tests and start-up ordering).
    public func waitUntilListening() async {
        listener.start()
        await listener.waitUntilListening()
    }

    public func run() async throws {
        listener.start()
        await cancelWhenGracefulShutdown {
            for await event in self.listener.events {
                switch event {
                case .notification(let notification):
                    self.routes[notification.channel]?.forEach { $0() }
                case .reconnected:
                    self.routes.values.joined().forEach { $0() }
                }
            }
        }
        listener.stop()
    }
}
