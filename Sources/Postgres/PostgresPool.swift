import Dispatch
import Logging
import Synchronization

/// A bounded pool of connections usable from async code.
///
/// Each connection lives in a `PooledConnection` with a serial `DispatchQueue` of its own; a
/// closure borrowing it runs on that queue, so blocking libpq calls never touch a NIO event loop or
/// the cooperative thread pool, and no two threads ever share a `PGconn`. Connections open lazily,
/// are checked for a server-side close before each use, and are replaced when found broken, so
/// the pool heals by itself after a database restart.
public final class PostgresPool: Sendable {
    /// Pool settings.
    public struct Options: Sendable {
        /// Most connections open at once. Default: 8.
        public var maxConnections: Int
        /// How long a caller waits for a free connection before `poolTimeout`. Default: 10 s.
        public var acquireTimeout: Duration

        public init(maxConnections: Int = 8, acquireTimeout: Duration = .seconds(10)) {
            self.maxConnections = max(1, maxConnections)
            self.acquireTimeout = acquireTimeout
        }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<PooledConnection, any Error>
    }

    private struct State {
        var idle: [PooledConnection] = []
        var created = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
    }

    public let configuration: PostgresConfiguration
    public let options: Options
    private let logger: Logger
    private let state = Mutex(State())

    public init(configuration: PostgresConfiguration, options: Options = Options(), logger: Logger) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
    }

    /// Borrows a connection for `body`, which runs on that connection's own queue.
    ///
    /// A statement still running when the task is cancelled is cancelled on the server.
    @discardableResult
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let slot = try await acquire()
        do {
            let value = try await slot.run(configuration: configuration, logger: logger, body)
            release(slot)
            return value
        } catch {
            release(slot)
            throw error
        }
    }

    /// Runs `body` in a transaction on a borrowed connection: commit on return, rollback on throw.
    @discardableResult
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in try connection.transaction(body) }
    }

    /// Runs one statement on a borrowed connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await withConnection { connection in try connection.query(sql, parameters) }
    }

    /// Closes idle connections and fails waiters; borrowed connections close when returned.
    public func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed, message: "the pool was closed"))
        }
        for slot in idle { slot.disconnect() }
    }

    /// Connections currently open or being opened, for metrics and tests.
    public var connectionCount: Int { state.withLock { $0.created } }

    private func acquire() async throws -> PooledConnection {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<PooledConnection, any Error>) in
                enum Decision {
                    case ready(PooledConnection)
                    case closed, wait
                }
                let decision: Decision = state.withLock { state in
                    if state.closed { return .closed }
                    if let slot = state.idle.popLast() { return .ready(slot) }
                    if state.created < options.maxConnections {
                        state.created += 1
                        return .ready(PooledConnection(index: state.created))
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .wait
                }
                switch decision {
                case .ready(let slot):
                    continuation.resume(returning: slot)
                case .closed:
                    continuation.resume(throwing: PostgresError(code: .poolClosed, message: "the pool was closed"))
                case .wait:
                    scheduleTimeout(for: id)
                }
            }
        } onCancel: {
            removeWaiter(id)?.continuation.resume(throwing: CancellationError())
        }
    }

    private func scheduleTimeout(for id: UInt64) {
        let timeout = options.acquireTimeout
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
            guard let waiter = removeWaiter(id) else { return }
            waiter.continuation.resume(
                throwing: PostgresError(
                    code: .poolTimeout,
                    message: "no connection became free within \(timeout) (pool of \(options.maxConnections))"))
        }
    }

    private func removeWaiter(_ id: UInt64) -> Waiter? {
        state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
    }

    private func release(_ slot: PooledConnection) {
        enum Decision {
            case handOver(Waiter)
            case closed, idle
        }
        let decision: Decision = state.withLock { state in
            if state.closed {
                state.created -= 1
                return .closed
            }
            if !state.waiters.isEmpty { return .handOver(state.waiters.removeFirst()) }
            state.idle.append(slot)
            return .idle
        }
        switch decision {
        case .handOver(let waiter): waiter.continuation.resume(returning: slot)
        case .closed: slot.disconnect()
        case .idle: break
        }
    }
}
