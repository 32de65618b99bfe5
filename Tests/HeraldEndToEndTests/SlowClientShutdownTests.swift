import Foundation
import Messenger
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM to a real `herald run` while slow clients hold connections: readiness turns 503 at
/// once, the slow clients are cut at the read timeout, and the process exits soon after.
@Suite("herald run: SIGTERM with slow clients attached", .onTestThreads)
struct SlowClientShutdownTests {
    @Test(
        "50 clients that sent a signed webhook's head and 1 byte of its body: after SIGTERM /readyz answers 503, every client is cut, and herald exits 0 within the 3 s read timeout plus a margin"
    )
    func sigtermWithSlowClients() async throws {
        try await TestDatabase.withSchema { schema in
            let herald = try await RunningHerald.start(
                schema: schema, graphURL: "http://127.0.0.1:9", extra: ["HERALD_READ_TIMEOUT_SECONDS": "3"])
            defer { herald.stop() }
            let signature = WebhookSignature(appSecret: Array(herald.secrets.appSecret.utf8)).headerValue(for: [0])
            let swarm = try SlowClientSwarm(count: 50, port: herald.port) { _ in
                RawHTTPConnection.request(
                    "POST", "/webhook", headers: [("X-Hub-Signature-256", signature), ("Content-Length", "100000")],
                    body: [UInt8(ascii: "{")])
            }
            defer { swarm.closeAll() }

            // From a thread of its own, so the probes come on time however busy the test pool is:
            // new connections still get in while the gateway drains, and are told to go away.
            let (pid, port) = (herald.process.pid, herald.port)
            let signalled = ContinuousClock.now
            let answers = await BlockingHTTP.onThread {
                kill(pid, SIGTERM)
                Thread.sleep(forTimeInterval: 0.1)
                return (0..<3).map { _ in
                    let status = BlockingHTTP.status(port: port, request: RawHTTPConnection.request("GET", "/readyz"))
                    Thread.sleep(forTimeInterval: 0.05)
                    return status
                }
            }
            #expect(answers == [503, 503, 503], "\(herald.process.output)")

            let status = await herald.process.exitStatus(within: .seconds(15))
            let elapsed = ContinuousClock.now - signalled
            #expect(status == 0, "\(herald.process.output)")
            #expect(elapsed < .seconds(3) + .seconds(6), "exited \(elapsed) after SIGTERM")
            #expect(await swarm.waitForClosed(50, timeout: .seconds(1)) == 50)
        }
    }
}
