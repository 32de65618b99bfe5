import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One request on a new loopback connection, answered on the calling thread: for checks that
/// must happen on time even when the cooperative pool is busy (a test suite on 2 cores can stall
/// it for seconds), run from a `Thread` of their own.
public enum BlockingHTTP {
    /// Sends `request` to 127.0.0.1:`port` and returns the status of the answer, or nil when the
    /// connection is refused, closed without an answer, or `timeout` passes.
    public static func status(port: Int, request: [UInt8], timeout: Duration = .seconds(5)) -> Int? {
        guard let fd = try? LoopbackSocket.connect(port: port) else { return nil }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return nil }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while LoopbackSocket.find([13, 10], in: received) == nil {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return nil }
            received += buffer[0..<count]
        }
        let line = String(decoding: received, as: UTF8.self).split(separator: " ")
        return line.count > 1 ? Int(line[1]) : nil
    }

    /// Runs `body` on a new thread and waits (without blocking the pool) until it returns.
    public static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.start()
        }
    }
}
