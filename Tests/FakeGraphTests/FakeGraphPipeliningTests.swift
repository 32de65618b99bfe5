import FakeGraph
import Foundation
import Logging
import TestSupport
import Testing

/// Sends are answered before Hummingbird's router (FakeGraphSendChannelHandler); these check
/// that the answers still keep request order and HTTP/1.1's connection rules.
@Suite("fake-graph's send path keeps HTTP/1.1 order", .onTestThreads)
struct FakeGraphPipeliningTests {
    static func sendRequest(_ recipient: String, close: Bool = false) -> [UInt8] {
        RawHTTPConnection.request(
            "POST", "/v25.0/me/messages?access_token=valid-token",
            headers: [("Content-Type", "application/json")] + (close ? [("Connection", "close")] : []),
            body: Array(
                #"{"recipient":{"id":"\#(recipient)"},"messaging_type":"RESPONSE","message":{"text":"hi"}}"#.utf8))
    }

    /// A quiet fake-graph and one raw connection to it.
    static func connect(_ configuration: FakeGraphConfiguration = .init()) async throws -> (
        RunningFakeGraph, RawHTTPConnection
    ) {
        var logger = Logger(label: "herald.tests.fake-graph")
        logger.logLevel = .critical
        let graph = try await FakeGraphServer.start(configuration: configuration, logger: logger)
        return (graph, try RawHTTPConnection(port: graph.port))
    }

    @Test("pipelined send, /me, send and a recording request are answered in order, each after the one before")
    func pipelinedInOrder() async throws {
        let (graph, connection) = try await Self.connect(.init(latency: .milliseconds(150)))
        connection.send(
            Self.sendRequest("first") + RawHTTPConnection.request("GET", "/v25.0/me?access_token=valid-token")
                + Self.sendRequest("second") + RawHTTPConnection.request("GET", "/_fake/stats"))
        let responses = await connection.responses(4)
        try #require(responses.count == 4)
        #expect(responses.map(\.status) == [200, 200, 200, 200])
        #expect(responses[0].text.contains(#""recipient_id":"first""#) && responses[0].text.contains("message_id"))
        #expect(responses[1].text.contains(#""name":"Fake Page""#))
        #expect(responses[2].text.contains(#""recipient_id":"second""#))
        #expect(responses[3].text.contains(#""total":2"#), "stats after both sends: \(responses[3].text)")
        #expect(graph.requests().map(\.recipient) == ["first", "second"])
        connection.close()
        await graph.stop()
    }

    @Test("a send asking to close gets its answer, then the connection closes")
    func connectionClose() async throws {
        let (graph, connection) = try await Self.connect()
        connection.send(Self.sendRequest("closing", close: true))
        let responses = await connection.responses(1)
        #expect(responses.first?.status == 200)
        #expect(responses.first?.headers["connection"] == "close")
        #expect(await connection.closedByServer())
        await graph.stop()
    }

    @Test("a body over the limit is answered as malformed, like Graph's code 100")
    func oversizedBody() async throws {
        let (graph, connection) = try await Self.connect(.init(maxBodyBytes: 90))
        connection.send(Self.sendRequest(String(repeating: "x", count: 100)) + Self.sendRequest("small"))
        let responses = await connection.responses(2)
        try #require(responses.count == 2)
        #expect(responses[0].status == 400 && responses[0].text.contains(#""code":100"#))
        #expect(responses[1].status == 200, "the connection reads on: \(responses[1].text)")
        await graph.stop()
    }

    @Test("a graceful stop while a send waits out its latency still answers it before the connection closes")
    func stopWhileAnswering() async throws {
        let (graph, connection) = try await Self.connect(.init(latency: .milliseconds(600)))
        connection.send(Self.sendRequest("during-stop"))
        // The send is in: the stop begins while its answer is still due.
        try await Task.sleep(for: .milliseconds(200))
        let stopping = Task { await graph.stop() }
        let responses = await connection.responses(1)
        #expect(responses.first?.status == 200)
        #expect(responses.first?.text.contains(#""recipient_id":"during-stop""#) == true)
        #expect(await connection.closedByServer(), "the stopping server closes the idle connection after answering")
        await stopping.value
    }
}
