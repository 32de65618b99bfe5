import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers `POST /{version}/{page}/messages` on the connection's event loop, in front of
/// Hummingbird's router, which serves everything else (`/me`, `/_fake/*`).
///
/// fake-graph stands in for Graph in the send benchmarks, where its own CPU competes with
/// Herald's on the same machine: through the router a send cost a task and several hops between
/// the event loop and the cooperative pool, more than the answer itself. Here the body is
/// collected, answered by `FakeGraphRoutes.send` and written after the configured latency
/// (a timer on the event loop) without leaving it.
///
/// One request per connection is in progress at a time, from its head until its answer's end
/// was written (by this handler or the router): parts of a pipelined next request wait, and
/// reading pauses once one has, so answers keep request order whoever writes them.
final class FakeGraphSendChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private struct Send {
        var version: String
        var page: String
        var accessToken: String?
        var appsecretProof: Bool
        var keepAlive: Bool
    }

    private enum State {
        /// Between requests.
        case idle
        /// A request passed on to the router, until its answer's end; `ended` once its own end
        /// was read (what comes after belongs to the next request).
        case forwarding(ended: Bool)
        /// Collecting a send's body.
        case collecting(Send)
        /// The send was read; its answer is due (after the latency).
        case answering
        /// Answered with the connection closing.
        case closed
    }

    private let routes: FakeGraphRoutes
    private var state = State.idle
    private var body = ByteBuffer()
    private var bodyTooLarge = false
    /// Parts of the next request, read while this one is still in progress.
    private var waiting = CircularBuffer<HTTPRequestPart>()
    private var readHeld = false
    private var heldEvents: [Any] = []

    init(routes: FakeGraphRoutes) {
        self.routes = routes
    }

    /// The current request was read whole and is not answered yet: what arrives now waits.
    private var awaitingAnswer: Bool {
        switch state {
        case .forwarding(ended: true), .answering: true
        case .idle, .forwarding(ended: false), .collecting, .closed: false
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if awaitingAnswer || !waiting.isEmpty {
            waiting.append(part)
        } else {
            handle(part, context: context)
        }
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if let send = Self.send(head) {
                body = ByteBuffer()
                bodyTooLarge = false
                state = .collecting(send)
            } else {
                state = .forwarding(ended: false)
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.forwarding, .end):
            state = .forwarding(ended: true)
            context.fireChannelRead(wrapInboundOut(part))
        case (.forwarding, _), (.idle, _):
            // The router (and NIO's decoder before it) judges malformed sequences.
            context.fireChannelRead(wrapInboundOut(part))
        case (.collecting, .body(var chunk)):
            // Like the router's `collect(upTo:)`: a body over the limit reads as none at all,
            // which Graph answers as malformed.
            if bodyTooLarge || body.readableBytes + chunk.readableBytes > routes.configuration.maxBodyBytes {
                bodyTooLarge = true
                body = ByteBuffer()
            } else if body.readableBytes == 0 {
                body = chunk
            } else {
                body.writeBuffer(&chunk)
            }
        case (.collecting(let send), .end):
            answer(send, context: context)
        case (.collecting, .head):
            // A head inside a body cannot come from NIO's decoder.
            state = .closed
            context.close(promise: nil)
        case (.answering, _), (.closed, _):
            break
        }
    }

    /// `POST /{version}/{page}/messages` (Graph treats `me` and a page id alike), or nil.
    private static func send(_ head: HTTPRequest) -> Send? {
        guard head.method == .post, let path = head.path else { return nil }
        let uri = URI(path)
        let components = uri.path.split(separator: "/")
        guard components.count == 3, components[2] == "messages" else { return nil }
        return Send(
            version: String(components[0]), page: String(components[1]), accessToken: FakeGraphRoutes.accessToken(uri),
            appsecretProof: uri.queryParameters["appsecret_proof"] != nil,
            keepAlive: head.headerFields[.connection]?.lowercased() != "close")
    }

    private func answer(_ send: Send, context: ChannelHandlerContext) {
        state = .answering
        let answer = routes.send(
            version: send.version, page: send.page, accessToken: send.accessToken, appsecretProof: send.appsecretProof,
            body: bodyTooLarge ? [] : Array(body.readableBytesView))
        body = ByteBuffer()
        let latency = routes.configuration.latency
        guard latency > .zero else {
            return write(answer, keepAlive: send.keepAlive, context: context)
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let (seconds, attoseconds) = latency.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            let (handler, context) = loopBound.value
            handler.write(answer, keepAlive: send.keepAlive, context: context)
        }
    }

    private func write(_ answer: FakeGraphAnswer, keepAlive: Bool, context: ChannelHandlerContext) {
        var fields = answer.fields
        let body = ByteBuffer(string: answer.body)
        fields[.contentLength] = String(body.readableBytes)
        if !keepAlive { fields[.connection] = "close" }
        context.write(
            wrapOutboundOut(.head(HTTPResponse(status: .init(code: answer.status), headerFields: fields))), promise: nil
        )
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if keepAlive {
            state = .idle
            resume(context: context)
        } else {
            state = .closed
            context.close(promise: nil)
        }
    }

    /// After an answer: held events, then the parts that waited, then reading again.
    private func resume(context: ChannelHandlerContext) {
        let events = heldEvents
        heldEvents = []
        for event in events { context.fireUserInboundEventTriggered(event) }
        var replayed = false
        while !waiting.isEmpty && !awaitingAnswer {
            replayed = true
            handle(waiting.removeFirst(), context: context)
        }
        if replayed { context.fireChannelReadComplete() }
        if readHeld && !awaitingAnswer {
            readHeld = false
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutdown and the client's half-close wait for a send in progress: passed on now, they
        // could let the router close the connection before the answer is written.
        switch state {
        case .collecting, .answering: heldEvents.append(event)
        case .idle, .forwarding, .closed: context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if awaitingAnswer && !waiting.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        guard isEnd, case .forwarding = state else { return }
        // The router answered: the next request may go on, once this write has returned.
        state = .idle
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.resume(context: context)
        }
    }
}
