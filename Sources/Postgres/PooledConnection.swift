import Dispatch
import Logging
import Synchronization

/// One place in a `PostgresPool`: a serial queue and the connection confined to it.
///
/// `@unchecked Sendable` because `connection` is only ever touched on `queue`; the canceller is
/// the one piece other threads read, and it sits behind a mutex.
final class PooledConnection: @unchecked Sendable {
    let index: Int
    private let queue: DispatchQueue
    /// Opened on the first borrow (the pool's configuration comes with it).
    private var connection: ReconnectingConnection?
    private let canceller = Mutex<PostgresCanceller?>(nil)
    /// Set when the borrowing task is cancelled before its statement could be cancelled on the server.
    private let cancelRequested = Mutex(false)

    init(index: Int) {
        self.index = index
        self.queue = DispatchQueue(label: "herald.postgres.connection.\(index)")
    }

    /// Runs `body` on this slot's queue with a live connection, opening or replacing it as needed.
    func run<T: Sendable>(
        configuration: PostgresConfiguration, logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        cancelRequested.withLock { $0 = false }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { [self] in
                    continuation.resume(with: Result { try runOnQueue(configuration, logger, body) })
                }
            }
        } onCancel: {
            cancelRequested.withLock { $0 = true }
            canceller.withLock { $0 }?.cancel()
        }
    }

    /// Closes the connection (on its queue, after any work in flight).
    func disconnect() {
        queue.async { [self] in drop() }
    }

    private func runOnQueue<T>(
        _ configuration: PostgresConfiguration, _ logger: Logger, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        let connection = try liveConnection(configuration, logger)
        // Cancelled while waiting for the queue or while connecting: nothing to cancel on the
        // server yet, so do not start.
        if cancelRequested.withLock({ $0 }) { throw CancellationError() }
        do {
            let value = try body(connection)
            settle(connection, logger)
            return value
        } catch let error as PostgresError where error.isConnectionError || !connection.isConnected {
            logger.warning(
                "postgres connection lost; it will be replaced",
                metadata: ["postgres.connection": "\(index)", "postgres.error": "\(error)"])
            drop()
            throw error
        } catch {
            settle(connection, logger)
            throw error
        }
    }

    private func liveConnection(_ configuration: PostgresConfiguration, _ logger: Logger) throws -> PostgresConnection {
        var held = connection ?? ReconnectingConnection(configuration: configuration)
        defer { connection = held }
        let (opened, hadOne) = (held.opened, held.current != nil)
        let live = try held.live()
        if held.opened != opened {
            if hadOne {
                logger.info(
                    "postgres connection closed by the server; replaced",
                    metadata: ["postgres.connection": "\(index)"])
            }
            canceller.withLock { $0 = live.makeCanceller() }
        }
        return live
    }

    /// Leaves the session clean for the next borrower: a closure that left a transaction open
    /// gets it rolled back; a session in an unknown state is dropped.
    private func settle(_ connection: PostgresConnection, _ logger: Logger) {
        switch connection.transactionState {
        case .idle:
            return
        case .inTransaction, .failedTransaction:
            logger.warning(
                "a pooled connection was returned inside a transaction; rolling back",
                metadata: ["postgres.connection": "\(index)"])
            if (try? connection.execute(script: "ROLLBACK")) == nil { drop() }
        case .unknown:
            drop()
        }
    }

    private func drop() {
        connection?.drop()
        canceller.withLock { $0 = nil }
    }
}
