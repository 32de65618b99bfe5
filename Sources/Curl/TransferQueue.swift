import Foundation

/// The pending transfers of an ``HTTPClient``, shared by its worker threads.
///
/// `@unchecked Sendable` because every mutable property is only touched with `condition` locked;
/// an `NSCondition` (not `Mutex`) because idle workers must sleep until work or shutdown arrives.
final class TransferQueue: @unchecked Sendable {
    /// A request waiting for a worker, and the suspended caller to resume with its outcome.
    struct Transfer: Sendable {
        let request: HTTPRequest
        let continuation: CheckedContinuation<Result<HTTPResponse, CurlError>, Never>
    }

    private let condition = NSCondition()
    // Two stacks make a FIFO with O(1) amortised push and pop, without a Deque dependency.
    private var incoming: [Transfer] = []
    private var outgoing: [Transfer] = []
    private var isClosed = false

    /// Queues a transfer for the next free worker, or fails it at once if the queue is closed.
    ///
    /// Only takes the lock briefly, so it is fine to call from async code.
    func enqueue(_ transfer: Transfer) {
        condition.lock()
        guard !isClosed else {
            condition.unlock()
            let error = CurlError(code: .clientShutdown, message: "HTTP client is shut down", url: transfer.request.url)
            transfer.continuation.resume(returning: .failure(error))
            return
        }
        incoming.append(transfer)
        condition.signal()
        condition.unlock()
    }

    /// Blocks the calling worker thread until a transfer is available; `nil` once closed and drained.
    func next() -> Transfer? {
        condition.lock()
        defer { condition.unlock() }
        while incoming.isEmpty && outgoing.isEmpty && !isClosed {
            condition.wait()
        }
        if outgoing.isEmpty {
            outgoing = incoming.reversed()
            incoming.removeAll(keepingCapacity: true)
        }
        return outgoing.popLast()
    }

    /// Refuses new transfers; workers finish what is queued and then see `nil`. Idempotent.
    func close() {
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
    }
}
