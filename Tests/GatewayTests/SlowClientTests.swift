import Curl
import Foundation
import Gateway
import Messenger
import Postgres
import Prometheus
import TestSupport
import Testing

/// `ConnectionLimits` on a real gateway: slow clients are cut at the read timeout on both the
/// webhook fast path and the router, idle keep-alive connections at the idle timeout, and
/// connections past the maximum at once, while good clients are served throughout.
@Suite("Slow and idle clients: read and idle timeouts, the connection limit, readiness while draining", .onTestThreads)
struct SlowClientTests {
    static let slowCount = 300

    /// Client `index`'s partial request: a signed webhook's head and one byte of a 100 KB body
    /// (fast path), the same for a `/v1` send (router), or half a head.
    static func slowRequest(_ index: Int) -> [UInt8] {
        let body = [UInt8(ascii: "{")]
        switch index % 3 {
        case 0:
            let signature = "sha256=" + String(repeating: "a", count: 64)
            return RawHTTPConnection.request(
                "POST", "/webhook", headers: [("X-Hub-Signature-256", signature), ("Content-Length", "100000")],
                body: body)
        case 1:
            return RawHTTPConnection.request(
                "POST", "/v1/pages/p/customers/c/messages",
                headers: [("Authorization", "Bearer \(TestGateway.apiToken)"), ("Content-Length", "100000")], body: body
            )
        default:
            return Array("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hub-".utf8)
        }
    }

    @Test(
        "300 slow clients (fast path, router, half a head), trickling a byte every 0.5 s, are cut after the 2 s read timeout; /healthz and a signed webhook are served meanwhile"
    )
    func slowClientsCut() async throws {
        try await TestDatabase.withSchema { schema in
            let limits = ConnectionLimits(readTimeout: .seconds(2), idleTimeout: .seconds(30))
            try await TestGateway.with(database: schema.configuration, connectionLimits: limits) { gateway in
                let swarm = try SlowClientSwarm(count: Self.slowCount, port: gateway.port, request: Self.slowRequest)
                defer { swarm.closeAll() }
                try await Task.sleep(for: .milliseconds(500))
                swarm.trickle()
                #expect(try await gateway.get("/healthz").status == 200)
                #expect(try await gateway.postWebhook(Array(#"{"good":1}"#.utf8)).status == 200)

                let closed = await swarm.waitForClosed(
                    Self.slowCount, timeout: .seconds(20), trickleEvery: .milliseconds(500))
                #expect(closed == Self.slowCount)
                let spread = try #require(swarm.closeSpread)
                #expect(spread.first >= .milliseconds(1_900), "a client cut after \(spread.first)")
                // Cut on time by the server; seen late when the test's threads are busy.
                #expect(spread.last <= .seconds(15), "a client cut only after \(spread.last)")
                #expect(
                    gateway.sample(#"herald_http_connection_timeouts_total{timeout="read"}"#) == Double(Self.slowCount))
                #expect(try await gateway.get("/healthz").status == 200)
                #expect(try storedBodies(schema.configuration) == [Array(#"{"good":1}"#.utf8)])
            }
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout, not before; requests keep it open")
    func idleConnectionClosed() async throws {
        try await TestDatabase.withSchema { schema in
            let limits = ConnectionLimits(readTimeout: .seconds(10), idleTimeout: .seconds(2))
            try await TestGateway.with(database: schema.configuration, connectionLimits: limits) { gateway in
                let busy = try RawHTTPConnection(port: gateway.port)
                defer { busy.close() }
                // A request every 0.3 s for 3 s, sent from a thread of its own so a busy test pool
                // cannot stretch the gaps past the idle timeout.
                await BlockingHTTP.onThread {
                    for _ in 0..<10 {
                        busy.send(RawHTTPConnection.request("GET", "/healthz"))
                        Thread.sleep(forTimeInterval: 0.3)
                    }
                }
                #expect(await busy.responses(10).count == 10)
                #expect(await !busy.closedByServer(timeout: .zero), "a connection used every 0.3 s was closed")

                let idle = try RawHTTPConnection(port: gateway.port)
                defer { idle.close() }
                idle.send(RawHTTPConnection.request("GET", "/healthz"))
                #expect(await idle.responses(1).map(\.status) == [200])
                #expect(await idle.closedByServer(timeout: .seconds(15)))
                let open = try #require(idle.openAfterLastAnswer)
                // Below the 10 s read timeout, so it was the idle timer that closed it; the margin is
                // wide because on 2 busy cores the event loop has been seen to close it 5-6 s late.
                #expect(open >= .milliseconds(1_950) && open < .seconds(9), "closed \(open) after its answer")
                #expect(gateway.sample(#"herald_http_connection_timeouts_total{timeout="idle"}"#) ?? 0 >= 1)
            }
        }
    }

    @Test("past the connection limit new connections are closed at once and counted; a freed slot is used again")
    func connectionLimit() async throws {
        try await TestDatabase.withSchema { schema in
            let limits = ConnectionLimits(maxConnections: 10)
            try await TestGateway.with(database: schema.configuration, connectionLimits: limits) { gateway in
                var held: [RawHTTPConnection] = []
                defer { held.forEach { $0.close() } }
                for _ in 0..<10 {
                    let connection = try RawHTTPConnection(port: gateway.port)
                    connection.send(RawHTTPConnection.request("GET", "/healthz"))
                    #expect(await connection.responses(1).map(\.status) == [200])
                    held.append(connection)
                }
                #expect(gateway.sample("herald_http_connections_open") == 10)

                var extra: [RawHTTPConnection] = []
                defer { extra.forEach { $0.close() } }
                for _ in 0..<3 {
                    let connection = try RawHTTPConnection(port: gateway.port)
                    connection.send(RawHTTPConnection.request("GET", "/healthz"))
                    extra.append(connection)
                }
                for connection in extra {
                    #expect(await connection.closedByServer(timeout: .seconds(5)))
                    #expect(await connection.responses(1, timeout: .zero).isEmpty, "served past the limit")
                }
                #expect(gateway.sample("herald_http_connections_refused_total") == 3)
                #expect(gateway.sample("herald_http_connections_open") == 10)

                held.removeFirst().close()
                try await waitUntil("a slot freed") { gateway.sample("herald_http_connections_open") == 9 }
                let next = try RawHTTPConnection(port: gateway.port)
                defer { next.close() }
                next.send(RawHTTPConnection.request("GET", "/healthz"))
                #expect(await next.responses(1).map(\.status) == [200])
            }
        }
    }

    @Test(
        "from the start of graceful shutdown /readyz answers 503 shutting_down while the listener accepts; the drain ends once requests stop"
    )
    func readinessWhileDraining() async throws {
        try await TestDatabase.withSchema { schema in
            let limits = ConnectionLimits(readTimeout: .seconds(20))
            try await TestGateway.with(database: schema.configuration, connectionLimits: limits, drains: true) {
                gateway in
                #expect(try await gateway.get("/readyz").status == 200)
                await gateway.beginShutdown()
                try await waitUntil("draining") { gateway.connections.isDraining }
                // New connections, each from a thread of its own (so the probes come on time): the
                // listener is still open, /readyz says go away, /healthz still answers.
                let port = gateway.port
                let statuses = await BlockingHTTP.onThread {
                    (0..<4).flatMap { _ in
                        let answers = [
                            BlockingHTTP.status(port: port, request: RawHTTPConnection.request("GET", "/readyz")),
                            BlockingHTTP.status(port: port, request: RawHTTPConnection.request("GET", "/healthz")),
                        ]
                        Thread.sleep(forTimeInterval: 0.2)
                        return answers
                    }
                }
                #expect(statuses == [503, 200, 503, 200, 503, 200, 503, 200])
                let raw = try RawHTTPConnection(port: gateway.port)
                raw.send(RawHTTPConnection.request("GET", "/readyz", headers: [("Connection", "close")]))
                let answer = await raw.responses(1).first
                #expect(answer?.text.contains(#""code":"shutting_down""#) == true, "\(answer?.text ?? "no answer")")
                let stopping = ContinuousClock.now
                try await gateway.shutdown()
                // The test gateway's five quiet seconds (the test's own delays aside), not the 20 s read timeout.
                #expect(ContinuousClock.now - stopping < .seconds(15))
            }
        }
    }
}

extension TestGateway {
    /// The value of the sample written exactly `series` (name and labels) in this gateway's registry.
    func sample(_ series: String) -> Double? {
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
