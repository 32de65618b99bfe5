import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One keep-alive HTTP/1.1 connection over a plain loopback socket, for tests of what libcurl
/// will not do: pipelined requests in one write, bodies sent in pieces, and watching the server
/// close the connection. A thread of its own reads and parses responses (Content-Length framed,
/// as Herald answers), so waiting never blocks the cooperative thread pool.
public final class RawHTTPConnection: Sendable {
    public struct Response: Sendable {
        public var status: Int
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private struct State {
        var responses: [Response] = []
        var closed = false
        var lastResponseAt: ContinuousClock.Instant?
        var closedAt: ContinuousClock.Instant?
    }

    private let fd: Int32
    private let state = Mutex(State())

    /// Connects to 127.0.0.1:`port`.
    public init(port: Int) throws {
        fd = try LoopbackSocket.connect(port: port)
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    deinit { Glibc.close(fd) }

    /// Half-closes: nothing more is sent, answers can still arrive.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Shuts the connection down from this side (the reading thread then ends).
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Sends `bytes` as they are, in one write.
    public func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            sent += count
        }
    }

    /// A request's bytes: request line, `Host`, the given headers, `Content-Length` when there is
    /// a body (unless `headers` frames it otherwise), the body.
    public static func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if !body.isEmpty && !framed { head += "Content-Length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    /// Waits up to `timeout` for `count` responses in all; returns those received.
    public func responses(_ count: Int, timeout: Duration = .seconds(20)) async -> [Response] {
        await wait(timeout: timeout) { $0.responses.count >= count || $0.closed }
        return state.withLock { $0.responses }
    }

    /// Waits up to `timeout` for the server to close the connection.
    public func closedByServer(timeout: Duration = .seconds(20)) async -> Bool {
        await wait(timeout: timeout) { $0.closed }
        return state.withLock { $0.closed }
    }

    /// How long the connection stayed open after its last answer, as seen by its reading
    /// thread (so a busy test thread pool cannot stretch it); nil until both happened.
    public var openAfterLastAnswer: Duration? {
        state.withLock { state in state.closedAt.flatMap { closed in state.lastResponseAt.map { closed - $0 } } }
    }

    private func wait(timeout: Duration, until condition: (State) -> Bool) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !state.withLock({ condition($0) }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private func readLoop() {
        var raw = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            raw += buffer[0..<count]
            while let (response, used) = Self.parse(raw) {
                raw.removeFirst(used)
                state.withLock {
                    $0.responses.append(response)
                    $0.lastResponseAt = .now
                }
            }
        }
        state.withLock {
            $0.closed = true
            $0.closedAt = .now
        }
    }

    /// One complete response at the start of `raw`, and how many bytes it took.
    private static func parse(_ raw: [UInt8]) -> (Response, Int)? {
        guard let headEnd = LoopbackSocket.find([13, 10, 13, 10], in: raw) else { return nil }
        let lines = String(decoding: raw[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        let bodyStart = headEnd + 4
        guard raw.count >= bodyStart + length else { return nil }
        return (
            Response(status: status, headers: headers, body: Array(raw[bodyStart..<(bodyStart + length)])),
            bodyStart + length
        )
    }
}
