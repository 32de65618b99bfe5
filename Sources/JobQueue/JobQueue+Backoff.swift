import Foundation

extension JobQueue {
    /// The delay before retry number `attempt` (1 for the first retry): `base × 4^(attempt−1)`,
    /// capped at `cap`, spread by ± `jitter` (0.2 = 20 %) so jobs that failed together do not
    /// retry together, and never above `cap`. A longer `serverDelay` (Graph's "wait this long")
    /// wins, uncapped: the server knows best.
    public static func backoff(
        attempt: Int, base: Duration, cap: Duration = .seconds(3600), jitter: Double = 0.2,
        serverDelay: Duration? = nil
    ) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return backoff(
            attempt: attempt, base: base, cap: cap, jitter: jitter, serverDelay: serverDelay, using: &generator)
    }

    /// `backoff` with a given random source (tests pin it).
    public static func backoff(
        attempt: Int, base: Duration, cap: Duration = .seconds(3600), jitter: Double = 0.2,
        serverDelay: Duration? = nil, using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let capSeconds = max(cap.timeInterval, 0)
        // Double, so a large attempt saturates at the cap instead of overflowing.
        let exponential = max(base.timeInterval, 0) * pow(4, Double(max(attempt, 1) - 1))
        let spread = min(max(jitter, 0), 1)
        let factor = spread > 0 ? Double.random(in: (1 - spread)...(1 + spread), using: &generator) : 1
        var seconds = min(min(exponential, capSeconds) * factor, capSeconds)
        if let serverDelay { seconds = max(seconds, serverDelay.timeInterval) }
        return .seconds(seconds)
    }
}

extension Duration {
    /// The duration in seconds, as `Date.addingTimeInterval` and SQL intervals want it
    /// (`now.addingTimeInterval(JobQueue.backoff(...).timeInterval)`).
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
