import Foundation
import HeraldCore
import Synchronization

/// A clock tests move by hand, so the 24-hour rules run without waiting.
public final class TestClock: HeraldClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date()) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by interval: TimeInterval) { current.withLock { $0 += interval } }

    public func set(_ date: Date) { current.withLock { $0 = date } }
}
