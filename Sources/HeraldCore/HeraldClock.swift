import Foundation

/// Where Herald's rules get "now" from: injected, so the 24-hour rules and backoff are testable
/// without waiting.
public protocol HeraldClock: Sendable {
    func now() -> Date
}

/// The wall clock.
public struct SystemClock: HeraldClock {
    public init() {}
    public func now() -> Date { Date() }
}
