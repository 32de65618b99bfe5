import Metrics
import Synchronization

/// Counters and gauges made once per label set and kept: making one per event means building the
/// label array and a registry lookup under the factory's lock each time, on the send and ingest
/// hot paths. Made against the global `MetricsSystem` factory, as the callers' other metrics are;
/// a process bootstraps that once, before any worker runs. (The gateway caches its own handles in
/// `GatewayMetrics`, made from the factory it is given.)
public final class MetricHandles: Sendable {
    private struct Key: Hashable {
        let label: String
        let dimensions: [String]
    }

    private let counters = Mutex<[Key: Counter]>([:])
    private let gauges = Mutex<[Key: Gauge]>([:])

    public init() {}

    /// The counter `label` with `dimensions`, made on first use.
    public func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        Self.handle(label, dimensions, in: counters) { Counter(label: label, dimensions: dimensions) }
    }

    /// The gauge `label` with `dimensions`, made on first use.
    public func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Gauge {
        Self.handle(label, dimensions, in: gauges) { Gauge(label: label, dimensions: dimensions) }
    }

    private static func handle<Handle: Sendable>(
        _ label: String, _ dimensions: [(String, String)], in handles: borrowing Mutex<[Key: Handle]>,
        make: () -> Handle
    ) -> Handle {
        let key = Key(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        if let cached = handles.withLock({ $0[key] }) { return cached }
        let made = make()
        return handles.withLock { stored in
            if let raced = stored[key] { return raced }
            stored[key] = made
            return made
        }
    }
}
