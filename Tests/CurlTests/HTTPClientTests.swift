import Curl
import Testing

@Suite("HTTPClient: async transfers on owned threads")
struct HTTPClientTests {
    @Test func runsManyConcurrentRequestsOnFourThreads() async throws {
        try await TestHTTPServer.with { server in
            let client = HTTPClient(configuration: CurlConfiguration(threadCount: 4))
            defer { client.shutdown() }
            let bodies = try await withThrowingTaskGroup(of: (Int, HTTPResponse).self) { group in
                for index in 0..<64 {
                    group.addTask { (index, try await client.execute(HTTPRequest(url: server.url("/n/\(index)")))) }
                }
                var bodies: [Int: String] = [:]
                for try await (index, response) in group {
                    #expect(response.status == 200)
                    bodies[index] = response.text
                }
                return bodies
            }
            #expect(bodies.count == 64)
            #expect(bodies.allSatisfy { $0.value == String($0.key) })
            // Each worker keeps its own connection alive, so at most one connection per thread.
            #expect(server.connectionCount <= 4)
        }
    }

    @Test func errorsReachTheAsyncCaller() async throws {
        let port = CurlErrorTests.refusingPort
        let client = HTTPClient(configuration: CurlConfiguration(threadCount: 1))
        defer { client.shutdown() }
        let error = await #expect(throws: CurlError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
        }
        #expect(error?.code == .couldNotConnect)
    }

    @Test func shutdownIsIdempotentAndRefusesNewRequests() async throws {
        try await TestHTTPServer.with { server in
            let client = HTTPClient(configuration: CurlConfiguration(threadCount: 2))
            let before = try await client.execute(HTTPRequest(url: server.url("/hello")))
            #expect(before.status == 200)
            client.shutdown()
            client.shutdown()
            let error = await #expect(throws: CurlError.self) {
                try await client.execute(HTTPRequest(url: server.url("/hello")))
            }
            #expect(error?.code == .clientShutdown)
        }
    }
}
