import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Many loopback connections that each send the start of a request and then (almost) nothing:
/// the slow clients the gateway's read timeout must cut. One poll over all the sockets watches
/// for the server closing them, so hundreds cost no thread each.
public final class SlowClientSwarm: @unchecked Sendable {
    private var sockets: [Int32]
    /// When each connection was seen closed by the server, by index; nil while open.
    public private(set) var closedAt: [ContinuousClock.Instant?]
    /// When each connection was made and its partial request sent, by index.
    public let openedAt: [ContinuousClock.Instant]

    /// Connects `count` clients to 127.0.0.1:`port`, each sending `request(index)` in one write.
    public init(count: Int, port: Int, request: (Int) -> [UInt8]) throws {
        var sockets: [Int32] = []
        var openedAt: [ContinuousClock.Instant] = []
        for index in 0..<count {
            let fd = try LoopbackSocket.connect(port: port)
            sockets.append(fd)
            Self.send(request(index), on: fd)
            openedAt.append(.now)
        }
        self.sockets = sockets
        self.openedAt = openedAt
        closedAt = Array(repeating: nil, count: count)
    }

    deinit { closeAll() }

    public var closedCount: Int { closedAt.lazy.filter { $0 != nil }.count }

    /// Sends one more byte on every connection still open (a client that trickles).
    public func trickle(_ byte: UInt8 = UInt8(ascii: "x")) {
        for (index, fd) in sockets.enumerated() where closedAt[index] == nil && fd >= 0 {
            Self.send([byte], on: fd)
        }
    }

    /// Notes which connections the server has closed since the last look (end of stream, reset).
    public func observe() {
        var polled = sockets.enumerated().filter { closedAt[$0.offset] == nil && $0.element >= 0 }
            .map { pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0) }
        guard !polled.isEmpty else { return }
        _ = poll(&polled, nfds_t(polled.count), 0)
        var scratch = [UInt8](repeating: 0, count: 4_096)
        for entry in polled where entry.revents != 0 {
            guard let index = sockets.firstIndex(of: entry.fd) else { continue }
            // Drain anything the server wrote (an answer) until it reports the close.
            while true {
                let count = recv(entry.fd, &scratch, scratch.count, Int32(MSG_DONTWAIT))
                if count > 0 { continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
                closedAt[index] = .now
                break
            }
        }
    }

    /// Watches until `count` connections are closed or `timeout` passes, trickling a byte every
    /// `trickleEvery` when set; returns how many are closed.
    @discardableResult
    public func waitForClosed(
        _ count: Int, timeout: Duration, trickleEvery: Duration? = nil
    ) async -> Int {
        let deadline = ContinuousClock.now + timeout
        var nextTrickle = trickleEvery.map { ContinuousClock.now + $0 }
        while ContinuousClock.now < deadline {
            observe()
            if closedCount >= count { break }
            if let due = nextTrickle, ContinuousClock.now >= due, let every = trickleEvery {
                trickle()
                nextTrickle = due + every
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        observe()
        return closedCount
    }

    /// The shortest and longest time a connection lived until the server closed it.
    public var closeSpread: (first: Duration, last: Duration)? {
        let times = zip(closedAt, openedAt).compactMap { closed, opened in closed.map { $0 - opened } }
        guard let first = times.min(), let last = times.max() else { return nil }
        return (first, last)
    }

    public func closeAll() {
        for fd in sockets where fd >= 0 { Glibc.close(fd) }
        sockets = sockets.map { _ in -1 }
    }

    private static func send(_ bytes: [UInt8], on fd: Int32) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
