import Foundation
import Logging
import Synchronization

/// LISTENs on channels over a connection of its own and delivers what arrives as an async sequence.
///
/// The connection lives on a dedicated thread that waits in `poll(2)` on the socket. When the
/// connection breaks it reconnects with backoff, LISTENs again and emits `.reconnected`, because
/// notifications sent while it was away are lost: a consumer should then look for work it missed.
public final class PostgresListener: Sendable {
    /// What the listener delivers.
    public enum Event: Sendable, Hashable {
        case notification(PostgresNotification)
        /// The connection was re-established; notifications may have been missed meanwhile.
        case reconnected
    }

    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let listening = Mutex<[CheckedContinuation<Void, Never>]?>([])

    public init(configuration: PostgresConfiguration, channels: [String], logger: Logger) {
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
    }

    /// Starts the listening thread (once).
    public func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "herald.postgres.listener"
        thread.start()
    }

    /// Returns once the first LISTEN has been issued, so a test can NOTIFY without a race.
    public func waitUntilListening() async {
        await withCheckedContinuation { continuation in
            let alreadyListening = listening.withLock { waiters -> Bool in
                guard waiters != nil else { return true }
                waiters!.append(continuation)
                return false
            }
            if alreadyListening { continuation.resume() }
        }
    }

    /// Stops the thread and finishes `events`.
    public func stop() { stopped.store(true, ordering: .relaxed) }

    private func loop() {
        var connection = ReconnectingConnection(
            configuration: configuration, backoff: .init(first: .milliseconds(50), maximum: .seconds(5))
        ) { [channels] connection in
            for channel in channels { try connection.execute(script: "LISTEN \(quoteIdentifier(channel))") }
        }
        while !stopped.load(ordering: .relaxed) {
            do {
                let opened = connection.opened
                let live = try connection.live()
                if connection.opened > 1, connection.opened != opened {
                    logger.info("postgres listener reconnected", metadata: ["postgres.channels": "\(channels)"])
                    continuation.yield(.reconnected)
                }
                markListening()
                try pump(live)
            } catch {
                if stopped.load(ordering: .relaxed) { break }
                connection.drop()
                let wait = max(connection.nextAttempt - .now, .milliseconds(50)).components
                let seconds = Double(wait.seconds) + Double(wait.attoseconds) / 1e18
                if !(error is ReconnectingConnection.Waiting) {
                    logger.warning(
                        "postgres listener connection failed; retrying",
                        metadata: ["postgres.error": "\(error)", "postgres.retry_in_seconds": "\(seconds)"])
                }
                Thread.sleep(forTimeInterval: seconds)
            }
        }
        continuation.finish()
    }

    /// Waits on the socket and yields notifications until the connection breaks or `stop()`.
    private func pump(_ connection: PostgresConnection) throws {
        while !stopped.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
            // A short timeout so `stop()` is noticed promptly without a wake-up pipe.
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { throw PostgresError(code: .connectionLost, message: "poll failed") }
            guard ready > 0 else { continue }
            for notification in try connection.consumeNotifications() {
                continuation.yield(.notification(notification))
            }
            if !connection.isConnected {
                throw PostgresError(code: .connectionLost, message: "listener connection lost")
            }
        }
    }

    private func markListening() {
        let waiters = listening.withLock { waiters in
            defer { waiters = nil }
            return waiters ?? []
        }
        waiters.forEach { $0.resume() }
    }
}

/// Quotes an identifier for the few statements that cannot take parameters (LISTEN).
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
