import Synchronization

/// The pool's start/stop state, and the tasks waiting for it to stop.
final class JobPoolLifecycle: Sendable {
    private struct State {
        var started = false
        var stopRequested = false
        var finishedWorkers = 0
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// True the first time, unless a stop came first.
    func markStarted() -> Bool {
        state.withLock { state in
            guard !state.started, !state.stopRequested else { return false }
            state.started = true
            return true
        }
    }

    var isRunning: Bool { state.withLock { $0.started && !$0.stopRequested } }

    /// Whether the pool had started, or nil when a stop was already requested.
    func requestStop() -> Bool? {
        state.withLock { state in
            guard !state.stopRequested else { return nil }
            state.stopRequested = true
            return state.started
        }
    }

    /// Counts a stopped worker; true for the last of `total`.
    func workerFinished(of total: Int) -> Bool {
        state.withLock { state in
            state.finishedWorkers += 1
            return state.finishedWorkers == total
        }
    }

    func markStopped() {
        let waiters = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stopped = state.withLock { state -> Bool in
                if state.stopped { return true }
                state.waiters.append(continuation)
                return false
            }
            if stopped { continuation.resume() }
        }
    }
}
