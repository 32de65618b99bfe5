import Logging
import ServiceLifecycle

/// Runs `services` in one `ServiceGroup` while `body` runs, then shuts them down gracefully and
/// waits for them — also when `body` throws (its error wins over the shutdown's).
public func withRunningServices<T>(
    _ services: [any Service], logger: Logger, _ body: () async throws -> T
) async throws -> T {
    let group = ServiceGroup(services: services, logger: logger)
    let running = Task { try await group.run() }
    let value: T
    do {
        value = try await body()
    } catch {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        throw error
    }
    await group.triggerGracefulShutdown()
    try await running.value
    return value
}
