import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 file host on loopback that records every connection and request it gets, so a
/// test can prove that something was never contacted. One blocking thread, one request per
/// connection (`Connection: close`).
///
/// - `…?redirect=<percent-encoded URL>` answers 302 with that `Location`;
/// - anything else answers 200 with `Content-Length` from `?bytes=N` (default 1000) and no body
///   (only HEAD is expected: it is the size check's stand-in file host).
///
/// It listens on one port on each of `hosts` (loopback addresses only: 127.0.0.0/8 or ::1).
public final class RecordingHTTPServer: @unchecked Sendable {
    /// One request as received.
    public struct Request: Sendable, CustomStringConvertible {
        public var method: String
        public var target: String
        public var host: String?
        public var description: String { "\(method) \(target) (Host: \(host ?? "-"))" }
    }

    public let port: Int
    public let hosts: [String]
    private let lock = NSLock()
    private var connectionCount = 0
    private var received: [Request] = []
    private var listeners: [Int32]

    /// Connections accepted so far, whether or not a request followed.
    public var connections: Int { lock.withLock { connectionCount } }

    /// Requests received so far, in order.
    public var requests: [Request] { lock.withLock { received } }

    /// True when nothing ever connected.
    public var untouched: Bool { lock.withLock { connectionCount == 0 && received.isEmpty } }

    /// Starts listening on `hosts` (default 127.0.0.1), all on one ephemeral port.
    public init(hosts: [String] = ["127.0.0.1"]) throws {
        precondition(!hosts.isEmpty)
        var listeners: [Int32] = []
        var port = 0
        do {
            for host in hosts {
                let fd = try Self.listen(host: host, port: port)
                listeners.append(fd)
                if port == 0 { port = try Self.boundPort(fd) }
            }
        } catch {
            listeners.forEach { _ = Glibc.close($0) }
            throw error
        }
        self.hosts = hosts
        self.port = port
        self.listeners = listeners
        for fd in listeners {
            let thread = Thread { [self] in acceptLoop(fd) }
            thread.name = "recording-http-server"
            thread.start()
        }
    }

    /// Runs `body` with a server on `hosts`, and stops it afterwards.
    public static func with<T>(
        hosts: [String] = ["127.0.0.1"], _ body: (RecordingHTTPServer) async throws -> T
    ) async throws -> T {
        let server = try RecordingHTTPServer(hosts: hosts)
        defer { server.stop() }
        return try await body(server)
    }

    /// `http://host:port/path` for the first host (bracketed when IPv6).
    public func url(_ pathAndQuery: String, host: String? = nil) -> String {
        let host = host ?? hosts[0]
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(pathAndQuery)"
    }

    /// Stops listening; the accept threads end and close their sockets. Safe to call twice.
    ///
    /// A listener is shut down and closed under `lock` only while it is still in `listeners`, so
    /// neither can reach a descriptor number the process has since given to another socket.
    public func stop() {
        lock.withLock {
            // Wakes each blocked accept (it fails with EINVAL); its thread then closes the socket.
            for fd in listeners { _ = shutdown(fd, Int32(SHUT_RDWR)) }
            listeners = []
        }
    }

    private func acceptLoop(_ listener: Int32) {
        defer {
            lock.withLock {
                listeners.removeAll { $0 == listener }
                _ = Glibc.close(listener)
            }
        }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            lock.withLock { connectionCount += 1 }
            serve(client)
            _ = Glibc.close(client)
        }
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end = Array("\r\n\r\n".utf8)
        while LoopbackSocket.find(end, in: data) == nil, data.count < 65_536 {
            let count = recv(client, &buffer, buffer.count, 0)
            if count <= 0 { return }
            data += buffer[0..<count]
        }
        let head = String(decoding: data, as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return }
        let host = lines.dropFirst().first { $0.lowercased().hasPrefix("host:") }
            .map { String($0.dropFirst(5)).trimmingCharacters(in: .whitespaces) }
        let request = Request(method: String(requestLine[0]), target: String(requestLine[1]), host: host)
        lock.withLock { received.append(request) }
        send(Self.response(for: request.target), to: client)
    }

    private static func response(for target: String) -> String {
        let query = URLComponents(string: "http://recorder\(target)")?.queryItems ?? []
        if let location = query.first(where: { $0.name == "redirect" })?.value {
            return "HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        }
        let bytes = query.first { $0.name == "bytes" }?.value.flatMap(Int.init) ?? 1000
        return
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(bytes)\r\nConnection: close\r\n\r\n"
    }

    private func send(_ text: String, to client: Int32) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count <= 0 { return }
            sent += count
        }
    }

    private static func listen(host: String, port: Int) throws -> Int32 {
        let isIPv6 = host.contains(":")
        let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound: Bool
        if isIPv6 {
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &yes, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else {
                _ = Glibc.close(fd)
                throw POSIXError(.EINVAL)
            }
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
                _ = Glibc.close(fd)
                throw POSIXError(.EINVAL)
            }
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
        guard bound, Glibc.listen(fd, 64) == 0 else {
            _ = Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return fd
    }

    private static func boundPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw POSIXError(.EBADF) }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin_port))
                }
            }
        }
    }
}
