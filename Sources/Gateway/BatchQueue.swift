import Foundation

/// One body waiting to be stored, and what to call once it is (or cannot be).
struct PendingWebhook: Sendable {
    let body: [UInt8]
    let completion: WebhookBatcher.Completion
}

/// The bounded queue between request handlers and the batcher's writer threads.
///
/// `@unchecked Sendable`: every field is read and written only while `condition` is locked.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [PendingWebhook] = []
    private var pendingBytes = 0
    private var stopping = false
    private var runningWriters = 0
    private var finished = false
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []
    private let configuration: WebhookBatcher.Configuration
    private let metrics: GatewayMetrics

    init(configuration: WebhookBatcher.Configuration, metrics: GatewayMetrics) {
        self.configuration = configuration
        self.metrics = metrics
    }

    /// Queues a body; returns the reason instead when it cannot be accepted.
    func enqueue(_ body: [UInt8], _ completion: @escaping WebhookBatcher.Completion) -> WebhookBatcher.Rejection? {
        condition.lock()
        defer { condition.unlock() }
        if stopping { return .shuttingDown }
        guard pending.count < configuration.queueCapacity, pendingBytes + body.count <= configuration.queueCapacityBytes
        else {
            return .queueFull
        }
        pending.append(PendingWebhook(body: body, completion: completion))
        pendingBytes += body.count
        metrics.queueDepth(pending.count)
        condition.signal()
        return nil
    }

    /// Blocks a writer thread until bodies wait; nil once stopping and drained.
    func nextBatch() -> [PendingWebhook]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !stopping { condition.wait() }
        if pending.isEmpty { return nil }
        let count = min(pending.count, configuration.maxBatchSize)
        let batch = Array(pending.prefix(count))
        pending.removeFirst(count)
        pendingBytes -= batch.reduce(0) { $0 + $1.body.count }
        metrics.queueDepth(pending.count)
        return batch
    }

    /// How many writer threads will call `markFinished`.
    func expectWriters(_ count: Int) {
        condition.lock()
        runningWriters = count
        condition.unlock()
    }

    /// Called by each writer thread when it has written its last batch.
    func markFinished() {
        condition.lock()
        runningWriters -= 1
        guard runningWriters <= 0 else {
            condition.unlock()
            return
        }
        finished = true
        let waiters = finishWaiters
        finishWaiters = []
        condition.unlock()
        waiters.forEach { $0.resume() }
    }

    /// Refuses new bodies and waits until the writers have drained the queue.
    func shutDownAndWait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            stopping = true
            condition.broadcast()
            if finished {
                condition.unlock()
                continuation.resume()
            } else {
                finishWaiters.append(continuation)
                condition.unlock()
            }
        }
    }
}
