import Foundation
import JobQueue
import Testing

@Suite("Retry backoff")
struct BackoffTests {
    /// A seeded generator, so a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test(
        "base × 4^(attempt−1) ± 20 %, capped at one hour",
        arguments: [
            (1, 10.0), (2, 40.0), (3, 160.0), (4, 640.0), (5, 2560.0), (6, 3600.0), (8, 3600.0), (1000, 3600.0),
        ])
    func bounds(attempt: Int, expected: Double) {
        var generator = SplitMix64(state: UInt64(attempt))
        var sawBelow = false
        var sawAbove = false
        for _ in 0..<500 {
            let delay = Self.seconds(JobQueue.backoff(attempt: attempt, base: .seconds(10), using: &generator))
            #expect(delay >= expected * 0.8 - 1e-9)
            #expect(delay <= min(expected * 1.2, 3600) + 1e-9)
            if delay < expected * 0.95 { sawBelow = true }
            if delay > expected * 1.05 { sawAbove = true }
        }
        #expect(sawBelow, "jitter spreads below the nominal delay")
        if expected < 3600 { #expect(sawAbove, "and above it, under the cap") }
    }

    @Test("without jitter the delay is exact; attempt 0 counts as the first")
    func exact() {
        #expect(JobQueue.backoff(attempt: 3, base: .seconds(2), jitter: 0) == .seconds(32))
        #expect(JobQueue.backoff(attempt: 0, base: .seconds(2), jitter: 0) == .seconds(2))
        #expect(JobQueue.backoff(attempt: 5, base: .seconds(10), cap: .seconds(60), jitter: 0) == .seconds(60))
    }

    @Test("a server-provided delay wins when longer, even beyond the cap", arguments: [1.0, 500.0, 7200.0])
    func serverDelay(server: Double) {
        let delay = Self.seconds(
            JobQueue.backoff(attempt: 2, base: .seconds(10), jitter: 0, serverDelay: .seconds(server)))
        #expect(delay == max(40, server))
    }
}
