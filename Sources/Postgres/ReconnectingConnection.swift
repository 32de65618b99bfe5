/// A connection that one thread keeps for a long time, replaced when the server closed it.
///
/// Every long-lived owner of a connection — a pool slot, a job worker thread, the job heartbeat,
/// a webhook batcher writer, the LISTEN thread — needs the same thing: keep the connection while
/// `checkAlive()` says so, otherwise open a new one and set it up (LISTEN, session settings).
/// Owners that would otherwise retry in a tight loop, or make every caller wait out a connect
/// timeout while the database is down, also wait between failed attempts (`Backoff`).
///
/// Not `Sendable`: it belongs to the one thread (or serial queue) that uses it.
public struct ReconnectingConnection {
    /// The wait after a failed attempt: `first`, doubled after each further failure up to `maximum`,
    /// back to `first` once a connection opens.
    public struct Backoff: Sendable {
        public var first: Duration
        public var maximum: Duration

        public init(first: Duration, maximum: Duration) {
            self.first = first
            self.maximum = maximum
        }
    }

    /// Thrown by `live()` while the wait after a failed attempt lasts: no attempt was made.
    public struct Waiting: Error, CustomStringConvertible {
        public let until: ContinuousClock.Instant
        public var description: String { "waiting before reconnecting to the database" }
    }

    public let configuration: PostgresConfiguration
    private let backoff: Backoff?
    private let setUp: (PostgresConnection) throws -> Void
    /// The connection now held, if any (it may have died since it was last checked).
    public private(set) var current: PostgresConnection?
    /// Connections opened so far: 1 after the first, more after each replacement.
    public private(set) var opened = 0
    private var delay: Duration
    private var retryAt: ContinuousClock.Instant?

    /// `setUp` runs on every new connection before `live()` returns it; when it throws, the
    /// connection is discarded and the attempt counts as failed.
    public init(
        configuration: PostgresConfiguration, backoff: Backoff? = nil,
        setUp: @escaping (PostgresConnection) throws -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.backoff = backoff
        self.setUp = setUp
        self.delay = backoff?.first ?? .zero
    }

    /// The held connection while it is alive, else a new one (set up). Throws the connect or
    /// set-up error, or `Waiting` (no attempt made) while a backoff after a failure lasts.
    public mutating func live() throws -> PostgresConnection {
        if let current, current.checkAlive() { return current }
        current = nil
        if let retryAt, ContinuousClock.now < retryAt { throw Waiting(until: retryAt) }
        do {
            let fresh = try PostgresConnection(configuration: configuration)
            try setUp(fresh)
            current = fresh
            opened += 1
            retryAt = nil
            delay = backoff?.first ?? .zero
            return fresh
        } catch {
            if let backoff {
                retryAt = ContinuousClock.now + delay
                delay = min(delay * 2, backoff.maximum)
            }
            throw error
        }
    }

    /// When the next attempt may be made (now when no backoff is running).
    public var nextAttempt: ContinuousClock.Instant { retryAt ?? .now }

    /// Forgets the held connection (it broke, or was left in an unknown state); the next
    /// `live()` opens a new one.
    public mutating func drop() { current = nil }
}
