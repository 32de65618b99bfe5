import Dispatch
import Synchronization

/// Wakes a worker loop early: rung on NOTIFY, waited on with a timeout (the slow poll fallback).
/// One waiter at a time (the loop that owns it).
///
/// The waiting half of LISTEN/NOTIFY, beside `PostgresListener` (what rings it): the worker
/// loops, the job engine's callers and the gateway's change stream all wait on one.
public final class Doorbell: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var rung = false
        var waiter: Waiter?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or makes the next wait return at once.
    public func ring() {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume()
    }

    /// Returns when rung, after `timeout`, or when the task is cancelled (also when it already was).
    public func wait(timeout: Duration) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let alreadyRung = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    // Cancelled before this wait began: the cancellation handler already ran and
                    // found no waiter to release, so waiting would last the whole timeout (a
                    // service with a minute's interval would hold up shutdown for a minute).
                    if Task.isCancelled { return true }
                    state.waiter = Waiter(id: id, continuation: continuation)
                    return false
                }
                if alreadyRung {
                    continuation.resume()
                    return
                }
                let nanoseconds =
                    timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
                    release(id)
                }
            }
        } onCancel: {
            release(id)
        }
    }

    private func release(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume()
    }
}
