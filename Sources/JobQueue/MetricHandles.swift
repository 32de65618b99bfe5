import Metrics
import Synchronization

/// Counters made once per label set and kept: making one per event means building the label
/// array and a registry lookup under the factory's lock each time, on the send and ingest hot
/// paths. Made against the global `MetricsSystem` factory, as the callers' other metrics are;
/// a process bootstraps that once, before any worker runs.
public final class CounterHandles: Sendable {
    private struct Key: Hashable {
        let label: String
        let dimensions: [String]
    }

    private let handles = Mutex<[Key: Counter]>([:])

    public init() {}

    /// The counter `label` with `dimensions`, made on first use.
    public func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        let key = Key(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        if let cached = handles.withLock({ $0[key] }) { return cached }
        let made = Counter(label: label, dimensions: dimensions)
        return handles.withLock { stored in
            if let raced = stored[key] { return raced }
            stored[key] = made
            return made
        }
    }
}
