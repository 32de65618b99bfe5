import Foundation
import Logging
import Postgres
import Synchronization

/// The claimed jobs of a pool whose outcome is not recorded yet, and which thread holds each.
final class JobLeases: Sendable {
    private let held = Mutex<[Int64: String]>([:])

    func hold(_ ids: [Int64], by worker: String) {
        held.withLock { held in
            for id in ids { held[id] = worker }
        }
    }

    func drop(_ ids: some Sequence<Int64>) {
        held.withLock { held in
            for id in ids { held[id] = nil }
        }
    }

    func byWorker() -> [String: [Int64]] {
        held.withLock { held in Dictionary(grouping: held.keys, by: { held[$0]! }) }
    }

    func isHeld(_ id: Int64) -> Bool { held.withLock { $0[id] != nil } }
}

/// Extends the leases of a pool's claimed jobs every `heartbeatInterval`, on a queue and
/// connection of its own, so a handler that runs longer than a lease keeps its jobs.
///
/// `@unchecked Sendable`: `connection` and `timer` are only touched on `dispatchQueue`.
final class JobHeartbeat: @unchecked Sendable {
    private let context: JobWorkerContext
    private let dispatchQueue = DispatchQueue(label: "herald.jobs.heartbeat")
    private var connection: ReconnectingConnection
    private var timer: (any DispatchSourceTimer)?

    init(context: JobWorkerContext) {
        self.context = context
        self.connection = ReconnectingConnection(configuration: context.postgres)
    }

    func start() {
        dispatchQueue.async { [self] in
            guard timer == nil else { return }
            let interval = context.configuration.heartbeatInterval.dispatchInterval
            let timer = DispatchSource.makeTimerSource(queue: dispatchQueue)
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.beat() }
            timer.resume()
            self.timer = timer
        }
    }

    func stop() {
        dispatchQueue.async { [self] in
            timer?.cancel()
            timer = nil
            connection.drop()
        }
    }

    private func beat() {
        let held = context.leases.byWorker()
        guard !held.isEmpty else { return }
        do {
            let connection = try connection.live()
            let until = context.now().addingTimeInterval(context.configuration.lease.timeInterval)
            for (worker, ids) in held {
                let extended = Set(
                    try context.queue.extendLease(jobIDs: ids, worker: worker, until: until, on: connection))
                // Not extended but still held: rescued meanwhile (say, after a long database outage).
                for id in ids where !extended.contains(id) && context.leases.isHeld(id) {
                    context.logger.warning(
                        "a running job lost its lease; another worker may run it again",
                        metadata: ["herald.worker": "\(worker)", "herald.job.id": "\(id)"])
                }
            }
        } catch {
            connection.drop()
            context.logger.error("job heartbeat failed", metadata: ["herald.error": "\(error)"])
        }
    }
}
