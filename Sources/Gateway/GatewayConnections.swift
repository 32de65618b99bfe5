import NIOCore
import Synchronization

/// What every connection of one gateway shares: the open-connection count its limit is checked
/// against, when the last request arrived, and whether the gateway is draining for shutdown.
///
/// `ConnectionGuardHandler`s (one per connection, on the event loops) update it; `GatewayDrain`
/// and `/readyz` read it. Times are NIO uptime nanoseconds, so they can live in atomics.
public final class GatewayConnections: Sendable {
    public let limits: ConnectionLimits
    let metrics: GatewayMetrics
    let readTimeout: TimeAmount
    let idleTimeout: TimeAmount
    private let open = Atomic<Int>(0)
    private let lastRequest = Atomic<UInt64>(0)
    /// 0 while serving; otherwise when the drain began.
    private let drainStart = Atomic<UInt64>(0)

    public init(limits: ConnectionLimits = .init(), metrics: GatewayMetrics) {
        self.limits = limits
        self.metrics = metrics
        readTimeout = TimeAmount(limits.readTimeout)
        idleTimeout = TimeAmount(limits.idleTimeout)
    }

    /// Open connections right now.
    public var openCount: Int { open.load(ordering: .relaxed) }

    /// Counts a new connection; false (and counted as refused) when it would pass the limit.
    func opened() -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= limits.maxConnections else {
            open.wrappingSubtract(1, ordering: .relaxed)
            metrics.connectionRefused()
            return false
        }
        metrics.openConnections(count)
        return true
    }

    func closed() {
        metrics.openConnections(open.wrappingSubtract(1, ordering: .relaxed).newValue)
    }

    /// A request's head arrived: the drain waits until they stop coming.
    func requestArrived() {
        lastRequest.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// True from the moment graceful shutdown began: `/readyz` answers 503.
    public var isDraining: Bool { drainStart.load(ordering: .relaxed) != 0 }

    /// Starts the drain (once; later calls change nothing).
    func beginDrain() {
        _ = drainStart.compareExchange(
            expected: 0, desired: max(1, NIODeadline.now().uptimeNanoseconds), ordering: .relaxed)
    }

    /// While draining, no request may still be reading after this: one read timeout from the
    /// start of the drain, so shutdown ends within it whatever clients do.
    var drainReadCap: NIODeadline? {
        let start = drainStart.load(ordering: .relaxed)
        return start == 0 ? nil : NIODeadline.uptimeNanoseconds(start) + readTimeout
    }

    /// The drain is over once no request has arrived for `quiet` (the load balancer has taken
    /// this gateway out), or a read timeout after it began, whichever comes first.
    func drainFinished(quiet: TimeAmount, now: NIODeadline = .now()) -> Bool {
        let start = drainStart.load(ordering: .relaxed)
        guard start != 0 else { return false }
        if now >= NIODeadline.uptimeNanoseconds(start) + readTimeout { return true }
        let lastActivity = max(start, lastRequest.load(ordering: .relaxed))
        return now >= NIODeadline.uptimeNanoseconds(lastActivity) + quiet
    }
}
