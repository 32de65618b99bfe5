import Foundation

/// A pool of reusable easy handles for threads that run blocking transfers (Herald's send
/// threads): a handle goes back after each transfer, so the next one reuses its kept-alive
/// connection.
///
/// `@unchecked Sendable`: a handle is only ever used by the one thread that took it; the list is
/// guarded by the lock.
public final class CurlHandles: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [CurlEasy] = []
    private let configuration: CurlConfiguration

    public init(configuration: CurlConfiguration) { self.configuration = configuration }

    /// Runs `body` with a handle of its own.
    public func withHandle<T>(_ body: (CurlEasy) throws -> T) throws -> T {
        let handle = try take()
        defer { giveBack(handle) }
        return try body(handle)
    }

    private func take() throws -> CurlEasy {
        lock.lock()
        let handle = idle.popLast()
        lock.unlock()
        return try handle ?? CurlEasy(configuration: configuration)
    }

    private func giveBack(_ handle: CurlEasy) {
        lock.lock()
        idle.append(handle)
        lock.unlock()
    }
}
