import Postgres
import Testing

@Suite("Doorbell")
struct DoorbellTests {
    @Test("a wait begun after its task was cancelled returns at once, not after its timeout")
    func cancelledBeforeWaiting() async {
        let doorbell = Doorbell()
        let started = ContinuousClock.now
        let waiting = Task {
            // Cancelled before the wait starts: its cancellation handler has nothing to release.
            while !Task.isCancelled { await Task.yield() }
            await doorbell.wait(timeout: .seconds(60))
        }
        waiting.cancel()
        await waiting.value
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("a ring wakes the waiter; a ring with no waiter makes the next wait return at once")
    func ring() async {
        let doorbell = Doorbell()
        let started = ContinuousClock.now
        doorbell.ring()
        await doorbell.wait(timeout: .seconds(60))
        let waiting = Task { await doorbell.wait(timeout: .seconds(60)) }
        // Whether the wait has begun by now or not, this ring ends it.
        doorbell.ring()
        await waiting.value
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}
