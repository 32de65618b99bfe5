import Dispatch
import Testing

/// Where test bodies run: Dispatch's global threads instead of Swift's cooperative pool.
///
/// Tests call libpq and wait for child processes synchronously. The cooperative pool has one
/// thread per core (two here), so one blocked call stalls every other running test's timers,
/// graceful shutdowns and pool continuations; Dispatch starts another thread when one blocks.
/// `TestDatabase.withSchema` runs its body here; suites that block outside it take the
/// `.onTestThreads` trait. Child tasks and task groups inherit the preference; `Task {}` does not.
public final class TestThreads: TaskExecutor {
    public static let shared = TestThreads()

    private init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        DispatchQueue.global().async { job.runSynchronously(on: executor) }
    }

    /// Runs `body` with `TestThreads` as its task executor preference.
    public static func run<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        try await withTaskExecutorPreference(shared, isolation: isolation, operation: body)
    }
}

/// Runs every test of a suite (or one test) on `TestThreads`.
public struct OnTestThreads: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(TestThreads.shared) { try await function() }
    }
}

extension Trait where Self == OnTestThreads {
    /// The suite's bodies run on threads the tests own, not the cooperative pool (`TestThreads`).
    public static var onTestThreads: Self { Self() }
}
