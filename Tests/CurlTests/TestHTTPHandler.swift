import NIOCore
import NIOHTTP1

/// The test server's routes, one request at a time per connection (HTTP/1.1 keep-alive).
///
/// - `/hello`: 200, `X-Test: yes`, body `hello world` (HEAD: same headers, no body).
/// - `/echo`: 200, echoes the body; every request header comes back as `x-echo-<name>`, and the
///   method as `x-echo-method`.
/// - `/slow`: answers after 3 seconds.
/// - `/bytes/N`: N bytes of `a`.
/// - `/status/N`: status N with a small JSON body.
/// - `/redirect`: 302 to `/hello`.
/// - `/redirect-to?<URL>`: 302 to the URL written after `?` (taken as is, not decoded).
/// - `/hops/N`: 302 to `/hops/N-1`; `/hops/0` is 200 (a chain of N redirects).
/// - `/informational`: a 103 Early Hints head (with `Link`) before the final 200.
/// - `/n/I`: 200 with body `I` (lets concurrent tests match responses to requests).
final class TestHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            if let head { route(context: context, head: head, body: body) }
            head = nil
        }
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let isHead = head.method == .HEAD
        switch path {
        case "/hello":
            respond(context, .ok, ["X-Test": "yes", "Content-Type": "text/plain"], Array("hello world".utf8), isHead)
        case "/echo":
            var headers = ["x-echo-method": head.method.rawValue]
            for (name, value) in head.headers {
                headers["x-echo-\(name.lowercased())"] = value
            }
            respond(context, .ok, headers, body, isHead)
        case "/slow":
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(3)) {
                self.respond(context, .ok, [:], Array("late".utf8), isHead)
            }
        case "/redirect":
            respond(context, .found, ["Location": "/hello", "X-Redirect": "yes"], [], isHead)
        case "/redirect-to":
            let target = head.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "/hello"
            respond(context, .found, ["Location": target], [], isHead)
        case "/informational":
            let hints = HTTPResponseHead(
                version: .http1_1, status: .custom(code: 103, reasonPhrase: "Early Hints"),
                headers: ["Link": "</style.css>; rel=preload"])
            context.write(wrapOutboundOut(.head(hints)), promise: nil)
            respond(context, .ok, ["X-Final": "yes"], Array("final".utf8), isHead)
        default:
            routeWithArgument(context: context, path: path, isHead: isHead)
        }
    }

    private func routeWithArgument(context: ChannelHandlerContext, path: String, isHead: Bool) {
        let parts = path.split(separator: "/")
        guard parts.count == 2, let argument = Int(parts[1]) else {
            respond(context, .notFound, [:], [], isHead)
            return
        }
        switch parts[0] {
        case "bytes":
            respond(context, .ok, [:], [UInt8](repeating: UInt8(ascii: "a"), count: argument), isHead)
        case "status":
            let json = Array(#"{"error":"status \#(argument)"}"#.utf8)
            let status = HTTPResponseStatus(statusCode: argument)
            respond(context, status, ["Content-Type": "application/json"], json, isHead)
        case "n":
            respond(context, .ok, [:], Array(String(argument).utf8), isHead)
        case "hops" where argument > 0:
            respond(context, .found, ["Location": "/hops/\(argument - 1)"], [], isHead)
        case "hops":
            respond(context, .ok, [:], Array("arrived".utf8), isHead)
        default:
            respond(context, .notFound, [:], [], isHead)
        }
    }

    private func respond(
        _ context: ChannelHandlerContext,
        _ status: HTTPResponseStatus,
        _ fields: [String: String],
        _ body: [UInt8],
        _ isHead: Bool
    ) {
        var headers = HTTPHeaders(fields.map { ($0.key, $0.value) })
        // Always an explicit length, so HEAD reports the GET length and keep-alive works.
        headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !isHead && !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
