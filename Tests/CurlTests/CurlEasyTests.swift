import Curl
import Testing

@Suite("CurlEasy against a local server")
struct CurlEasyTests {
    @Test func getReturnsStatusHeadersAndBody() async throws {
        try await TestHTTPServer.with { server in
            let response = try await perform(HTTPRequest(url: server.url("/hello"))).get()
            #expect(response.status == 200)
            #expect(response.text == "hello world")
            #expect(response.header("x-test") == "yes")
            #expect(response.header("CONTENT-TYPE") == "text/plain")
            #expect(response.header("x-missing") == nil)
        }
    }

    @Test func headReturnsContentLengthAndNoBody() async throws {
        try await TestHTTPServer.with { server in
            let response = try await perform(HTTPRequest(method: .head, url: server.url("/hello"))).get()
            #expect(response.status == 200)
            #expect(response.header("Content-Length") == "11")
            #expect(response.body.isEmpty)
        }
    }

    @Test func jsonPostSendsBodyContentTypeAndCustomHeaders() async throws {
        try await TestHTTPServer.with { server in
            let json = Array(#"{"recipient":{"id":"42"},"message":{"text":"hi"}}"#.utf8)
            let request = HTTPRequest.json(
                .post, url: server.url("/echo"), body: json,
                headers: [HTTPHeader(name: "X-Custom", value: "abc"), HTTPHeader(name: "X-Empty", value: "")])
            let response = try await perform(request).get()
            #expect(response.status == 200)
            #expect(response.body == json)
            #expect(response.header("x-echo-method") == "POST")
            #expect(response.header("x-echo-content-type") == "application/json")
            #expect(response.header("x-echo-x-custom") == "abc")
            #expect(response.header("x-echo-x-empty") == "")
            #expect(response.header("x-echo-content-length") == String(json.count))
            #expect(response.header("x-echo-user-agent") == "herald")
        }
    }

    @Test(arguments: [404, 500])
    func nonSuccessStatusIsAResponse(status: Int) async throws {
        try await TestHTTPServer.with { server in
            let response = try await perform(HTTPRequest(url: server.url("/status/\(status)"))).get()
            #expect(response.status == status)
            #expect(response.header("content-type") == "application/json")
            #expect(response.text == #"{"error":"status \#(status)"}"#)
        }
    }

    @Test func redirectsAreNotFollowedByDefault() async throws {
        try await TestHTTPServer.with { server in
            let response = try await perform(HTTPRequest(url: server.url("/redirect"))).get()
            #expect(response.status == 302)
            #expect(response.header("location") == "/hello")
        }
    }

    @Test func followedRedirectReportsOnlyTheFinalHeaders() async throws {
        try await TestHTTPServer.with { server in
            let configuration = CurlConfiguration(followRedirects: true)
            let request = HTTPRequest(url: server.url("/redirect"))
            let response = try await perform(request, configuration: configuration).get()
            #expect(response.status == 200)
            #expect(response.text == "hello world")
            #expect(response.header("x-redirect") == nil)
            #expect(response.header("x-test") == "yes")
        }
    }

    @Test func informationalResponseHeadersAreDropped() async throws {
        try await TestHTTPServer.with { server in
            let response = try await perform(HTTPRequest(url: server.url("/informational"))).get()
            #expect(response.status == 200)
            #expect(response.header("link") == nil)
            #expect(response.header("x-final") == "yes")
            #expect(response.text == "final")
        }
    }

    /// Method and body options must not leak from one request into the next on a reused handle.
    @Test func reusedHandleSendsEachRequestAsGiven() async throws {
        try await TestHTTPServer.with { server in
            let url = server.url("/echo")
            let requests = [
                HTTPRequest(method: .head, url: url),
                HTTPRequest(method: .get, url: url),
                HTTPRequest(method: .post, url: url, body: Array("one".utf8)),
                HTTPRequest(method: .get, url: url),
                HTTPRequest(method: .put, url: url, body: Array("two".utf8)),
                HTTPRequest(method: .delete, url: url),
                HTTPRequest(method: .post, url: url),
            ]
            let responses = try await performInOrder(requests).map { try $0.get() }
            let methods = responses.map { $0.header("x-echo-method") }
            #expect(methods == ["HEAD", "GET", "POST", "GET", "PUT", "DELETE", "POST"])
            #expect(responses.map(\.text) == ["", "", "one", "", "two", "", ""])
            #expect(responses[1].header("x-echo-content-length") == nil)
            #expect(responses[6].header("x-echo-content-length") == "0")
            #expect(server.connectionCount == 1)
        }
    }

    @Test func oneHandleKeepsTheConnectionAlive() async throws {
        try await TestHTTPServer.with { server in
            let request = HTTPRequest(url: server.url("/hello"))
            let responses = await performInOrder([request, request])
            let statuses = try responses.map { response throws(CurlError) in try response.get().status }
            #expect(statuses == [200, 200])
            #expect(server.connectionCount == 1)
        }
    }

    /// The control for the keep-alive test: separate handles cannot share a connection.
    @Test func separateHandlesOpenSeparateConnections() async throws {
        try await TestHTTPServer.with { server in
            let request = HTTPRequest(url: server.url("/hello"))
            _ = try await perform(request).get()
            _ = try await perform(request).get()
            #expect(server.connectionCount == 2)
        }
    }

    @Test(arguments: ["X-Bad\r\nInjected", "X-Bad\nInjected"])
    func headerInjectionIsRefusedBeforeConnecting(value: String) async throws {
        try await TestHTTPServer.with { server in
            let request = HTTPRequest(url: server.url("/hello"), headers: [HTTPHeader(name: "X-Test", value: value)])
            let error = try #require(await perform(request).failure)
            #expect(error.code == .invalidRequest)
            #expect(server.connectionCount == 0)
        }
    }
}
