import Foundation
import HeraldCore
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Fans the change log (`changes`, written by triggers in every process) out to the
/// `GET /v1/stream` subscribers of this gateway.
///
/// One LISTEN connection hears `herald_changes`; one pump reads new rows in id order, builds each
/// event once (the resource as `/v1` shows it now) and hands it to every subscriber. Delivery is
/// strictly in id order, so a client's last `id:` means it has everything up to it: when rows
/// commit out of id order the pump waits briefly for the missing id (an id stays missing for
/// good when its transaction rolled back). A subscriber that resumes with `Last-Event-ID` gets
/// the rows it missed from the log first, then live ones, without a gap or a repeat. A client
/// that reads too slowly is cut off (its buffer is bounded) rather than slowing the others.
public final class ChangeStream: Service, Sendable {
    /// What a subscriber's response writes.
    public enum Item: Sendable, Equatable {
        case event(ChangeLog.Event)
        case heartbeat
        /// The stream could not resume from the client's Last-Event-ID; it should refetch.
        case reset(reason: String)
    }

    public struct Configuration: Sendable {
        /// Comment lines keep idle connections (and proxies) open. Default: 15 s.
        public var heartbeatInterval: Duration
        /// Events buffered for a slow client before it is cut off. Default: 1,000.
        public var maxBufferedEvents: Int
        /// Concurrent subscribers per process; more get 503. Default: 10,000.
        public var maxSubscribers: Int
        /// How long a missing id is waited for before it is taken as rolled back. Default: 2 s.
        public var gapTimeout: Duration
        /// Poll interval when no NOTIFY arrives (a lost notification only delays). Default: 1 s.
        public var pollInterval: Duration
        /// Most events replayed for one Last-Event-ID; further back is a reset. Default: 10,000.
        public var maxReplay: Int

        public init(
            heartbeatInterval: Duration = .seconds(15), maxBufferedEvents: Int = 1_000, maxSubscribers: Int = 10_000,
            gapTimeout: Duration = .seconds(2), pollInterval: Duration = .seconds(1), maxReplay: Int = 10_000
        ) {
            self.heartbeatInterval = heartbeatInterval
            self.maxBufferedEvents = maxBufferedEvents
            self.maxSubscribers = maxSubscribers
            self.gapTimeout = gapTimeout
            self.pollInterval = pollInterval
            self.maxReplay = maxReplay
        }
    }

    /// Why a subscription was refused.
    public enum Refusal: Error, Sendable {
        case full
        case unavailable
        case stopped
    }

    private struct Subscriber {
        let pageID: String?
        let continuation: AsyncStream<Item>.Continuation
        /// Highest id handed to (or skipped for) this subscriber.
        var cursor: Int64
        /// Live events held back while the log replays what the client missed.
        var pending: [ChangeLog.Event]?
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 0
        /// Everything up to here has been delivered (or skipped); nil until the pump started.
        var cursor: Int64?
        var stopped = false
        /// A client asked for the stream: the pump runs from then on.
        var wanted = false
    }

    private let pool: PostgresPool
    private let listener: PostgresListener
    private let configuration: Configuration
    private let clock: any HeraldClock
    private let logger: Logger
    private let log = ChangeLog()
    private let state = Mutex(State())
    private let doorbell = Doorbell()
    private let started = Doorbell()

    public init(
        database: PostgresConfiguration, pool: PostgresPool, configuration: Configuration = Configuration(),
        clock: any HeraldClock = SystemClock(),
        logger: Logger
    ) {
        self.pool = pool
        self.listener = PostgresListener(configuration: database, channels: [ChangeLog.channel], logger: logger)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Nothing to stream until someone asks: no LISTEN connection, no polling meanwhile.
            while !Task.isCancelled, !self.state.withLock({ $0.wanted }) {
                await self.started.wait(timeout: .seconds(3600))
            }
            guard !Task.isCancelled else { return }
            self.listener.start()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listen() }
                group.addTask { await self.beat() }
                group.addTask { await self.pump() }
                await group.waitForAll()
            }
        }
        listener.stop()
        // Ends every open response, so the server's graceful shutdown is not held by streams.
        let subscribers = state.withLock { state in
            state.stopped = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        subscribers.forEach { $0.continuation.finish() }
    }

    // MARK: - Subscribing

    /// A stream of items for one client: live changes of `pageID` (all pages when nil), after
    /// replaying those after `lastEventID` when given.
    public func subscribe(pageID: String?, lastEventID: Int64?) async throws(Refusal) -> AsyncStream<Item> {
        try await waitUntilPumping()
        let (stream, continuation) = AsyncStream.makeStream(
            of: Item.self, bufferingPolicy: .bufferingOldest(configuration.maxBufferedEvents))
        let registration = state.withLock { state -> Result<(UInt64, Int64), Refusal> in
            guard !state.stopped else { return .failure(.stopped) }
            guard let cursor = state.cursor else { return .failure(.unavailable) }
            guard state.subscribers.count < configuration.maxSubscribers else { return .failure(.full) }
            state.nextID += 1
            let resumeFrom = lastEventID.map { min($0, cursor) } ?? cursor
            state.subscribers[state.nextID] = Subscriber(
                pageID: pageID, continuation: continuation, cursor: resumeFrom,
                pending: lastEventID == nil ? nil : [])
            return .success((state.nextID, cursor))
        }
        let (id, cursorAtStart) = try registration.get()
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        if let lastEventID {
            await replay(id, after: lastEventID, through: cursorAtStart, pageID: pageID)
        }
        return stream
    }

    /// Starts the pump on the first subscription and waits (up to 5 s) for its first read of the log.
    private func waitUntilPumping() async throws(Refusal) {
        let (ready, stopped) = state.withLock { state in
            state.wanted = true
            return (state.cursor != nil, state.stopped)
        }
        if stopped { throw .stopped }
        if ready { return }
        started.ring()
        for _ in 0..<250 {
            try? await Task.sleep(for: .milliseconds(20))
            if state.withLock({ $0.cursor != nil }) { return }
        }
        throw .unavailable
    }

    private func unsubscribe(_ id: UInt64) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    /// Sends what the client missed, then releases the live events held back meanwhile.
    private func replay(_ id: UInt64, after lastEventID: Int64, through last: Int64, pageID: String?) async {
        var items: [Item] = []
        if lastEventID > last {
            items = [.reset(reason: "unknown_event_id")]
        } else if lastEventID < last {
            let now = clock.now()
            let (limit, log) = (configuration.maxReplay, log)
            do {
                let replayed = try await pool.withConnection { connection -> [ChangeLog.Event]? in
                    // Resuming from a pruned id would silently skip what was pruned.
                    if let oldest = try log.oldestID(on: connection), lastEventID < oldest - 1 { return nil }
                    let changes = try log.changes(after: lastEventID, through: last, limit: limit + 1, on: connection)
                    guard changes.count <= limit else { return nil }
                    return try log.events(
                        for: changes.filter { pageID == nil || $0.pageID == pageID }, now: now, on: connection)
                }
                items = replayed.map { $0.map(Item.event) } ?? [.reset(reason: "too_far_behind")]
            } catch {
                items = [.reset(reason: "replay_failed")]
            }
        }
        let cutOff = state.withLock { state -> [AsyncStream<Item>.Continuation] in
            guard var subscriber = state.subscribers[id] else { return [] }
            for item in items { _ = subscriber.continuation.yield(item) }
            subscriber.cursor = last
            let pending = subscriber.pending ?? []
            subscriber.pending = nil
            state.subscribers[id] = subscriber
            return pending.compactMap { Self.deliver($0, to: id, in: &state) }
        }
        cutOff.forEach { $0.finish() }
    }

    // MARK: - The pump

    private func listen() async {
        for await _ in listener.events { doorbell.ring() }
    }

    private func beat() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeatInterval)
            let continuations = state.withLock { $0.subscribers.values.map(\.continuation) }
            for continuation in continuations { _ = continuation.yield(.heartbeat) }
        }
    }

    private func pump() async {
        var gaps = GapTracker(timeout: configuration.gapTimeout)
        while !Task.isCancelled {
            let waitingForGap = await drain(&gaps)
            await doorbell.wait(timeout: waitingForGap ? .milliseconds(50) : configuration.pollInterval)
        }
    }

    /// Reads and delivers what is new; true when it stopped at an id that may still commit.
    private func drain(_ gaps: inout GapTracker) async -> Bool {
        let now = clock.now()
        let (log, known) = (log, state.withLock { $0.cursor })
        let tracker = gaps
        do {
            let (events, cursor, tracked, blocked) = try await pool.withConnection {
                connection -> ([ChangeLog.Event], Int64, GapTracker, Bool) in
                var tracker = tracker
                var cursor = try known ?? log.newestID(on: connection)
                // The deliverable prefix first (in order, up to a gap still worth waiting for), then
                // its events built together.
                var ready: [ChangeLog.Change] = []
                var blocked = false
                for change in try log.changes(after: cursor, limit: 500, on: connection) {
                    if change.id != cursor + 1, !tracker.giveUp(on: cursor + 1, at: ContinuousClock.now) {
                        blocked = true
                        break
                    }
                    ready.append(change)
                    cursor = change.id
                }
                return (try log.events(for: ready, now: now, on: connection), cursor, tracker, blocked)
            }
            gaps = tracked
            let cutOff = state.withLock { state -> [AsyncStream<Item>.Continuation] in
                state.cursor = cursor
                var cutOff: [AsyncStream<Item>.Continuation] = []
                for event in events {
                    for id in Array(state.subscribers.keys) {
                        if let slow = Self.deliver(event, to: id, in: &state) { cutOff.append(slow) }
                    }
                }
                return cutOff
            }
            // Outside the lock: finishing runs onTermination, which takes the lock.
            if !cutOff.isEmpty {
                logger.notice("slow stream clients cut off", metadata: ["herald.stream.cut_off": "\(cutOff.count)"])
            }
            cutOff.forEach { $0.finish() }
            return blocked
        } catch {
            logger.warning("change stream cannot read the log; retrying", metadata: ["herald.error": "\(error)"])
            return false
        }
    }

    /// Hands `event` to one subscriber (held back while it replays). A full buffer cuts the
    /// subscriber off: it is removed and its continuation returned, for the caller to finish once
    /// it has released the lock.
    private static func deliver(_ event: ChangeLog.Event, to id: UInt64, in state: inout State)
        -> AsyncStream<Item>.Continuation?
    {
        guard var subscriber = state.subscribers[id] else { return nil }
        if subscriber.pending != nil {
            subscriber.pending?.append(event)
            state.subscribers[id] = subscriber
            return nil
        }
        guard event.id > subscriber.cursor else { return nil }
        subscriber.cursor = event.id
        state.subscribers[id] = subscriber
        guard subscriber.pageID == nil || subscriber.pageID == event.pageID else { return nil }
        guard case .dropped = subscriber.continuation.yield(.event(event)) else { return nil }
        state.subscribers[id] = nil
        return subscriber.continuation
    }
}

/// Ids the pump is waiting for: an id is given up (its transaction rolled back, or a sequence
/// value was skipped) once it has been missing for `timeout`.
struct GapTracker: Sendable {
    let timeout: Duration
    private var missing: (id: Int64, since: ContinuousClock.Instant)?

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// True when `id` has been missing long enough to skip.
    mutating func giveUp(on id: Int64, at now: ContinuousClock.Instant) -> Bool {
        guard let missing, missing.id == id else {
            self.missing = (id, now)
            return false
        }
        guard now - missing.since >= timeout else { return false }
        self.missing = nil
        return true
    }
}
