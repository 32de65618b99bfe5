import Foundation
import Synchronization

/// The server's only mutable state: recent calls, outcome counts, flaky attempt counters and the
/// message-id sequence, behind one lock (handlers run concurrently on NIO's event loops).
final class FakeGraphRecorder: Sendable {
    private struct State {
        /// A ring: once full, `next` is the oldest entry and is overwritten.
        var sends: [ReceivedSend] = []
        var next = 0
        var sequence = 0
        var stats = FakeGraphStats()
        var attempts: [String: Int] = [:]
        var messageCounter = 0
        var allowedURLs: Set<String> = []
        var outageUntil: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    /// The User Profile API's scripted answers and received calls.
    let profiles = FakeGraphProfiles()
    private let capacity: Int
    /// Random per process, so ids from two runs never collide (Herald dedupes on `mid`).
    private let idPrefix: String

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        idPrefix = String((0..<10).map { _ in alphabet.randomElement()! })
    }

    /// A `message_id` never answered before by this process.
    func newMessageID() -> String {
        let counter = state.withLock { state in
            state.messageCounter += 1
            return state.messageCounter
        }
        return "m_\(idPrefix)\(counter)"
    }

    /// Counts one more attempt for `key` (a flaky recipient, or a subscription's page and token
    /// digest) and returns it (1-based).
    func attempt(key: String) -> Int {
        state.withLock { state in
            // Bounded like the recording: a flood of distinct flaky keys starts them over.
            if state.attempts.count >= capacity, state.attempts[key] == nil { state.attempts.removeAll() }
            state.attempts[key, default: 0] += 1
            return state.attempts[key]!
        }
    }

    /// Stores `send`, numbering it; the oldest entry goes once `capacity` are kept.
    func record(_ send: ReceivedSend) {
        state.withLock { state in
            state.sequence += 1
            var send = send
            send.sequence = state.sequence
            if state.sends.count < capacity {
                state.sends.append(send)
            } else {
                state.sends[state.next] = send
                state.next = (state.next + 1) % capacity
            }
            state.stats.total += 1
            state.stats.byOutcome[send.outcome, default: 0] += 1
        }
    }

    /// The kept sends, oldest first.
    func sends() -> [ReceivedSend] {
        state.withLock { state in Array(state.sends[state.next...] + state.sends[..<state.next]) }
    }

    func stats() -> FakeGraphStats {
        state.withLock { state in
            var stats = state.stats
            stats.recorded = state.sends.count
            return stats
        }
    }

    /// Takes `url` off the blocklist: sends containing it no longer fail as blocked.
    func allow(url: String) {
        state.withLock { _ = $0.allowedURLs.insert(url) }
    }

    /// The URLs taken off the blocklist, sorted.
    func allowedURLs() -> [String] {
        state.withLock { $0.allowedURLs.sorted() }
    }

    /// Makes every Graph request fail as an outage for `duration` (zero ends one).
    func startOutage(for duration: Duration) {
        state.withLock { $0.outageUntil = duration > .zero ? ContinuousClock.now + duration : nil }
    }

    /// Whether an outage started with ``startOutage(for:)`` is still on.
    func inOutage() -> Bool {
        state.withLock { state in state.outageUntil.map { ContinuousClock.now < $0 } ?? false }
    }

    /// Forgets the sends, the counts and the flaky counters; message ids keep counting up.
    func clear() {
        state.withLock { state in
            state.sends = []
            state.next = 0
            state.stats = FakeGraphStats()
            state.attempts = [:]
        }
        profiles.clear()
    }
}
