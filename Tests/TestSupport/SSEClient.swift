import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A Server-Sent Events client over a plain loopback socket, for stream tests: it sends one GET
/// and parses the response as it arrives (libcurl's client reads whole bodies). Reads run on a
/// thread of their own; `next` waits for the next event with a timeout.
///
/// The descriptor has one owner: `deinit` closes it, and `deinit` cannot run before the reading
/// thread (which holds `self`) has ended. Closing it anywhere else would let `close()` shut down
/// whatever socket the process opened next under the same number — a Postgres or gateway
/// connection of another test, seen there as "server closed the connection unexpectedly".
public final class SSEClient: Sendable {
    /// One SSE message: `id:`, `event:`, `data:` (nil where absent), or a comment line.
    public struct Message: Sendable, Equatable {
        public var id: String?
        public var event: String?
        public var data: String?
        public var comment: String?

        /// `data` parsed as a JSON object.
        public var json: [String: Any]? {
            data.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    private struct State {
        var status: Int?
        var messages: [Message] = []
        var closed = false
    }

    private let fd: Int32
    private let state = Mutex(State())

    /// Connects to 127.0.0.1:`port` and sends `GET path` with `headers`.
    public init(port: Int, path: String, headers: [String: String]) throws {
        fd = try LoopbackSocket.connect(port: port)
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        _ = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    deinit { Glibc.close(fd) }

    /// Shuts the connection down (the server sees the client go away; the reading thread ends).
    /// Safe after the server closed it: the descriptor stays ours until `deinit`.
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    public var status: Int? { state.withLock { $0.status } }
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Every message so far (comments included), oldest first.
    public var messages: [Message] { state.withLock { $0.messages } }

    /// Events (not comments) so far.
    public var events: [Message] { messages.filter { $0.comment == nil } }

    /// Waits up to `timeout` until `condition` holds for the messages so far (generous: it returns
    /// as soon as the condition holds, and a full suite on 2 cores can delay a stream by seconds).
    public func wait(
        timeout: Duration = .seconds(20), until condition: ([Message]) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(messages) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(messages)
    }

    /// Reads the response: headers, then the chunked body, parsed as SSE as it arrives.
    private func readLoop() {
        var raw = [UInt8]()  // received, not yet de-chunked
        var body = [UInt8]()  // de-chunked, not yet parsed
        var headersDone = false
        var chunked = false
        var current = Message()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // The last chunk arrived: what came before it in the same read is still parsed (a stream
        // that ends with `stream.reset` often sends both at once).
        var ended = false
        reading: while !ended {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            raw += buffer[0..<count]
            if !headersDone {
                guard let end = LoopbackSocket.find([13, 10, 13, 10], in: raw) else { continue }
                let head = String(decoding: raw[..<end], as: UTF8.self)
                let statusCode = head.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                chunked = head.lowercased().contains("transfer-encoding: chunked")
                state.withLock { $0.status = statusCode }
                raw.removeFirst(end + 4)
                headersDone = true
            }
            if chunked {
                while let lineEnd = LoopbackSocket.find([13, 10], in: raw) {
                    guard let size = Int(String(decoding: raw[..<lineEnd], as: UTF8.self), radix: 16) else {
                        break reading
                    }
                    if size == 0 {
                        ended = true
                        break
                    }
                    guard raw.count >= lineEnd + 2 + size + 2 else { break }
                    body += raw[(lineEnd + 2)..<(lineEnd + 2 + size)]
                    raw.removeFirst(lineEnd + 2 + size + 2)
                }
            } else {
                body += raw
                raw = []
            }
            while let newline = body.firstIndex(of: 10) {
                var line = String(decoding: body[..<newline], as: UTF8.self)
                body.removeFirst(newline + 1)
                if line.hasSuffix("\r") { line.removeLast() }
                if line.isEmpty {
                    if current != Message() {
                        let message = current
                        state.withLock { $0.messages.append(message) }
                    }
                    current = Message()
                } else if line.hasPrefix(":") {
                    let comment = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
                    state.withLock { $0.messages.append(Message(comment: comment)) }
                } else if let colon = line.firstIndex(of: ":") {
                    var value = String(line[line.index(after: colon)...])
                    if value.hasPrefix(" ") { value.removeFirst() }
                    switch line[..<colon] {
                    case "id": current.id = value
                    case "event": current.event = value
                    case "data": current.data = (current.data.map { $0 + "\n" } ?? "") + value
                    default: break
                    }
                }
            }
        }
        state.withLock { $0.closed = true }
    }
}
