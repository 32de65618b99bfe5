import NIOCore
import NIOHTTPTypes

/// Holds each connection to `ConnectionLimits`: counts it against the maximum (closing it at
/// once past it), closes it when a request takes longer than the read timeout to arrive, and
/// when it sits idle between requests past the idle timeout.
///
/// It sits right after the HTTP decoder, before `WebhookChannelHandler`, so the webhook fast
/// path and the router obey the same deadlines. It sees parts, not bytes; a request whose
/// headers are still trickling in produces no part yet, but every read from the socket still
/// reaches it as `channelReadComplete`, which is how it knows a request has begun.
///
/// Deadlines: a connection's first request must have arrived within the read timeout of the
/// accept; each later one within the read timeout of its first byte, and its first byte within
/// the idle timeout of the previous answer. While the server owes an answer there is no
/// deadline: a slow database or a long `/v1/stream` is not the client's fault. While the gateway
/// drains, no read may last past one read timeout after the drain began.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let connections: GatewayConnections
    private var activated = false
    private var counted = false
    /// When the request being read began to arrive; nil when none is being read.
    private var readingSince: NIODeadline?
    /// When the connection last became idle (its last answer was written).
    private var idleSince = NIODeadline.now()
    /// Requests read whose answer has not been written completely.
    private var unanswered = 0
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(connections: GatewayConnections) {
        self.connections = connections
    }

    // MARK: Opening and closing

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    private func activate(context: ChannelHandlerContext) {
        guard !activated else { return }
        activated = true
        guard connections.opened() else {
            // After the pipeline is set up: closing in the middle of it would fail the setup.
            context.eventLoop.assumeIsolated().execute { context.close(promise: nil) }
            return
        }
        counted = true
        readingSince = .now()
        arm(context: context)
    }

    private func release() {
        timer?.cancel()
        timer = nil
        if counted {
            counted = false
            connections.closed()
        }
    }

    // MARK: Requests and answers

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            if readingSince == nil { readingSince = .now() }
            unanswered += 1
            connections.requestArrived()
        case .body:
            break
        case .end:
            readingSince = nil
        }
        arm(context: context)
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Bytes arrived but made no part yet: the headers of a new request are on their way.
        if readingSince == nil, unanswered == 0 {
            readingSince = .now()
            arm(context: context)
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), unanswered > 0 {
            unanswered -= 1
            if unanswered == 0 {
                idleSince = .now()
                arm(context: context)
            }
        }
        context.write(data, promise: promise)
    }

    // MARK: Deadlines

    private enum Timeout: String {
        case read, idle
    }

    /// The moment this connection is closed unless something happens first, and why.
    private func deadline() -> (NIODeadline, Timeout)? {
        if let readingSince {
            var deadline = readingSince + connections.readTimeout
            if let cap = connections.drainReadCap { deadline = min(deadline, cap) }
            return (deadline, .read)
        }
        guard unanswered == 0 else { return nil }
        return (idleSince + connections.idleTimeout, .idle)
    }

    /// Makes sure a timer fires no later than the current deadline. A timer that fires early
    /// (the deadline moved later) just re-arms, so most state changes cost no scheduling.
    private func arm(context: ChannelHandlerContext) {
        guard counted, let (deadline, _) = deadline() else { return }
        if let timerDeadline, timer != nil, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            expire(context: context)
        }
    }

    private func expire(context: ChannelHandlerContext) {
        guard counted, let (deadline, timeout) = deadline() else { return }
        if deadline <= .now() {
            connections.metrics.connectionTimedOut(timeout.rawValue)
            context.close(promise: nil)
        } else {
            arm(context: context)
        }
    }
}
