import HTTPTypes
import Hummingbird
import Logging
import Messenger
import NIOCore
import NIOHTTPTypes

/// Answers `POST /webhook` on the connection's event loop, in front of Hummingbird's router.
///
/// The webhook is the gateway's hot path. Through the router a delivery costs a task, a streamed
/// body and several hops between the event loop and the cooperative thread pool; here its head is
/// checked, its body collected, verified and handed to the batcher without leaving the event
/// loop, and the answer is written when the batcher's commit calls back (docs/benchmarks.md has
/// the difference). Checks, answers and metrics are `WebhookIntake`'s, shared with the router.
///
/// HTTP/1.1 answers must keep request order, so the handler takes a delivery only when the router
/// owes no answer on the connection; otherwise, and once the server is shutting down, it passes
/// the request on to `WebhookRoutes`. While its own delivery waits for the commit, later requests
/// on the connection wait behind it (and reading pauses once one has), then go on in order.
final class WebhookChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private struct Delivery {
        let expected: [UInt8]
        let keepAlive: Bool
        let started: ContinuousClock.Instant
    }

    private enum State {
        /// Between requests.
        case idle
        /// Passing a request on to the router, until its end.
        case forwarding
        /// Collecting the body of a delivery whose head passed the checks.
        case collecting(Delivery)
        /// Answered before the whole body was read (401): the rest of it is dropped.
        case discarding(keepAlive: Bool)
        /// Waiting for the batcher's commit; later parts and reads wait too.
        case storing
        /// Answered with the connection closing: nothing more is read.
        case closed
    }

    private let intake: WebhookIntake
    private let verifier: WebhookSignature.Verifier
    private let logger: Logger
    private var state = State.idle
    /// The body of the delivery being collected (kept out of `state` so appending never copies).
    private var body = ByteBuffer()
    /// Requests passed on to the router whose answer has not been written yet.
    private var unanswered = 0
    /// Parts that arrived while a delivery was being stored, replayed in order afterwards.
    private var waiting = CircularBuffer<HTTPRequestPart>()
    private var readHeld = false
    private var heldEvents: [Any] = []
    private var shuttingDown = false

    init(intake: WebhookIntake, logger: Logger) {
        self.intake = intake
        self.verifier = intake.signature.verifier()
        self.logger = logger
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .storing = state {
            waiting.append(part)
        } else {
            handle(part, context: context)
            settle(context: context)
        }
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if unanswered == 0, !shuttingDown, Self.isDelivery(head) {
                begin(head, context: context)
            } else {
                unanswered += 1
                state = .forwarding
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.forwarding, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.forwarding, _), (.idle, _):
            // The router (and NIO's decoder before it) judges malformed sequences.
            context.fireChannelRead(wrapInboundOut(part))
        case (.collecting(let delivery), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= intake.maxBodyBytes else {
                answer(intake.tooLarge(), started: delivery.started, keepAlive: false, context: context)
                return
            }
            // Usually the whole body is one chunk: kept as it is, not copied.
            if body.readableBytes == 0 { body = chunk } else { body.writeBuffer(&chunk) }
        case (.collecting(let delivery), .end):
            store(delivery, context: context)
        case (.collecting(let delivery), .head):
            // A head inside a body cannot come from NIO's decoder; refuse rather than guess.
            answer(
                APIError(.badRequest, code: .badRequest, message: "malformed request"),
                started: delivery.started, keepAlive: false, context: context)
        case (.discarding(let keepAlive), .end):
            state = .idle
            if !keepAlive { context.close(promise: nil) }
        case (.discarding, _), (.closed, _), (.storing, _):
            break
        }
    }

    private static func isDelivery(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, let path = head.path else { return false }
        return path == "/webhook" || path.hasPrefix("/webhook?")
    }

    private func begin(_ head: HTTPRequest, context: ChannelHandlerContext) {
        let started = ContinuousClock.now
        let keepAlive = head.headerFields[.connection] != "close"
        switch intake.checkHead(head.headerFields) {
        case .success(let expected):
            body = ByteBuffer()
            state = .collecting(Delivery(expected: expected, keepAlive: keepAlive, started: started))
        case .failure(let error) where error.status == .contentTooLarge:
            answer(error, started: started, keepAlive: false, context: context)
        case .failure(let error):
            state = .discarding(keepAlive: keepAlive)
            write(error, started: started, context: context)
        }
    }

    private func store(_ delivery: Delivery, context: ChannelHandlerContext) {
        let body = Array(self.body.readableBytesView)
        self.body = ByteBuffer()
        if let error = intake.checkBody(body, expected: delivery.expected, verifier: verifier) {
            answer(error, started: delivery.started, keepAlive: delivery.keepAlive, context: context)
            return
        }
        state = .storing
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        intake.batcher.store(body) { result in
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.stored(result, delivery, context: context)
            }
        }
    }

    private func stored(
        _ result: Result<Void, WebhookBatcher.Rejection>, _ delivery: Delivery, context: ChannelHandlerContext
    ) {
        switch result {
        case .success:
            answer(
                .ok, headers: [.contentType: "application/json"], body: Self.receivedBody, started: delivery.started,
                keepAlive: delivery.keepAlive, context: context)
        case .failure(let rejection):
            var logger = self.logger
            logger[metadataKey: "hb.request.id"] = "\(RequestID())"
            answer(
                intake.refused(rejection, logger: logger), started: delivery.started,
                keepAlive: delivery.keepAlive, context: context)
        }
        replayWaiting(context: context)
        settle(context: context)
    }

    /// After a delivery is answered: the parts that waited behind it, in order.
    private func replayWaiting(context: ChannelHandlerContext) {
        var replayed = false
        while !waiting.isEmpty {
            if case .storing = state { break }
            replayed = true
            handle(waiting.removeFirst(), context: context)
        }
        if replayed { context.fireChannelReadComplete() }
    }

    /// Lets the paused read and the held events go once no delivery needs them held.
    private func settle(context: ChannelHandlerContext) {
        switch state {
        case .storing:
            return
        case .collecting:
            break
        case .idle, .forwarding, .discarding, .closed:
            let events = heldEvents
            heldEvents = []
            for event in events { context.fireUserInboundEventTriggered(event) }
        }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // From shutdown on, the router serves every request, so its connection handling decides
        // when to close.
        if event is ChannelShouldQuiesceEvent { shuttingDown = true }
        // Events (shutdown, the client half-closing) wait until a delivery in progress is
        // answered: passed on now, they could let the router close the connection before that.
        switch state {
        case .collecting, .storing: heldEvents.append(event)
        case .idle, .forwarding, .discarding, .closed: context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Outbound

    /// Reading pauses only once a request has arrived behind a delivery being stored: pausing for
    /// every delivery would cost two epoll changes each, and clients rarely pipeline.
    func read(context: ChannelHandlerContext) {
        if case .storing = state, !waiting.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { unanswered = max(0, unanswered - 1) }
        context.write(data, promise: promise)
    }

    // MARK: Answers

    private static let receivedBody = ByteBuffer(string: WebhookIntake.receivedBody)

    /// Writes an answer, then reads on (keep-alive) or closes the connection.
    private func answer(
        _ status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer, started: ContinuousClock.Instant,
        keepAlive: Bool, context: ChannelHandlerContext
    ) {
        state = keepAlive ? .idle : .closed
        write(status, headers: headers, body: body, started: started, context: context)
        if !keepAlive { context.close(promise: nil) }
    }

    private func answer(
        _ error: APIError, started: ContinuousClock.Instant, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        answer(
            error.status, headers: error.responseHeaders, body: error.responseBody, started: started,
            keepAlive: keepAlive, context: context)
    }

    /// Writes an error answer and leaves the state to the caller (an early refusal reads on).
    private func write(_ error: APIError, started: ContinuousClock.Instant, context: ChannelHandlerContext) {
        write(
            error.status, headers: error.responseHeaders, body: error.responseBody, started: started, context: context)
    }

    private func write(
        _ status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer, started: ContinuousClock.Instant,
        context: ChannelHandlerContext
    ) {
        var fields = headers
        fields[.contentLength] = String(body.readableBytes)
        fields[.date] = HTTPDate.now()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        intake.metrics.request(route: "/webhook", method: "POST", status: status.code, duration: .now - started)
    }
}
