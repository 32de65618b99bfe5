import Foundation
import TestSupport
import Testing

/// The suite's own socket clients must never touch a descriptor they no longer own. An
/// `SSEClient` whose reading thread closed its socket when the server hung up, and whose test then
/// called `close()`, shut down whatever socket the process had opened next under that number: a
/// Postgres connect of another test ("server closed the connection unexpectedly", nothing in the
/// server's log) or a gateway connection ("Empty reply from server"), about once in five runs.
@Suite("Test sockets keep their descriptors until released")
struct TestSocketOwnershipTests {
    @Test("closing a stream the server already ended leaves the socket opened after it working")
    func closeAfterServerHangUp() async throws {
        try await RecordingHTTPServer.with { server in
            // The recorder answers 200 with `Connection: close` and hangs up: the stream ends.
            let stream = try SSEClient(port: server.port, path: "/stream", headers: [:])
            let deadline = ContinuousClock.now + .seconds(10)
            while !stream.isClosed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(stream.isClosed, "the recorder should have ended the stream")

            // Opened now, this socket would get the stream's number had the stream released it.
            let next = try RawHTTPConnection(port: server.port)
            stream.close()
            // A redirect is the recorder's one answer with a complete (empty) body.
            next.send(RawHTTPConnection.request("GET", "/after?redirect=%2F"))
            let answers = await next.responses(1, timeout: .seconds(10))
            #expect(answers.map(\.status) == [302], "the socket opened after the stream was shut down with it")
            #expect(server.requests.map(\.target) == ["/stream", "/after?redirect=%2F"])
        }
    }
}
