import Curl
import Testing

@Suite("CurlError: failures, classification and redaction")
struct CurlErrorTests {
    @Test func slowServerHitsTheTotalTimeout() async throws {
        try await TestHTTPServer.with { server in
            let configuration = CurlConfiguration(totalTimeout: .milliseconds(300))
            let result = await perform(HTTPRequest(url: server.url("/slow")), configuration: configuration)
            let error = try #require(result.failure)
            #expect(error.code == .operationTimedOut)
            #expect(error.isTimeout)
            #expect(!error.isConnectionFailure)
        }
    }

    /// Port 1 on loopback: nothing listens there, and unlike a freshly freed ephemeral port no
    /// other test's server can take it meanwhile.
    static let refusingPort = 1

    @Test func refusedConnectionIsCouldNotConnect() async throws {
        let port = Self.refusingPort
        let error = try #require(await perform(HTTPRequest(url: "http://127.0.0.1:\(port)/")).failure)
        #expect(error.code == .couldNotConnect)
        #expect(error.isConnectionFailure)
        #expect(!error.isTimeout)
    }

    @Test(arguments: [
        (size: 1000, accepted: true),
        (size: 1001, accepted: false),
        (size: 200_000, accepted: false),
    ])
    func bodyIsCappedAtMaxResponseBodyBytes(size: Int, accepted: Bool) async throws {
        try await TestHTTPServer.with { server in
            let configuration = CurlConfiguration(maxResponseBodyBytes: 1000)
            let result = await perform(HTTPRequest(url: server.url("/bytes/\(size)")), configuration: configuration)
            if accepted {
                let response = try result.get()
                #expect(response.body.count == size)
            } else {
                let error = try #require(result.failure)
                #expect(error.code == .responseTooLarge)
                #expect(error.code != .writeError)
                #expect(!error.isConnectionFailure)
            }
        }
    }

    @Test(arguments: ["ftp://127.0.0.1/file.txt", "file:///etc/passwd", "gopher://127.0.0.1/"])
    func nonHTTPSchemesAreRefused(url: String) async throws {
        let error = try #require(await perform(HTTPRequest(url: url)).failure)
        #expect(error.code == .unsupportedProtocol)
    }

    @Test func descriptionNeverContainsTheQueryStringOrCredentials() async throws {
        let port = Self.refusingPort
        let url = "http://user:PASSWORD@127.0.0.1:\(port)/v19.0/me/messages?access_token=SECRET#frag"
        let error = try #require(await perform(HTTPRequest(url: url)).failure)
        #expect(error.code == .couldNotConnect)
        #expect(error.url == "http://127.0.0.1:\(port)/v19.0/me/messages")
        for text in [error.description, String(describing: error), error.message, error.url] {
            #expect(!text.contains("SECRET"))
            #expect(!text.contains("PASSWORD"))
        }
        #expect(error.description.contains("couldNotConnect"))
        #expect(error.description.contains("/v19.0/me/messages"))
    }

    @Test func messageEchoingTheQueryIsScrubbed() {
        let url = "https://graph.example/x?access_token=SECRET"
        let error = CurlError(code: .writeError, message: "failed on \(url)", url: url)
        #expect(!error.description.contains("SECRET"))
        #expect(error.url == "https://graph.example/x")
    }

    @Test func codesHaveStableNamesAndRawValues() {
        #expect(CurlError.Code.couldNotConnect.rawValue == 7)
        #expect(CurlError.Code.operationTimedOut.rawValue == 28)
        #expect(CurlError.Code.unsupportedProtocol.rawValue == 1)
        #expect(CurlError.Code.responseTooLarge.rawValue < 0)
        #expect(CurlError.Code(rawValue: 7) == .couldNotConnect)
        #expect(CurlError.Code.operationTimedOut.description == "operationTimedOut")
        #expect(CurlError.Code(rawValue: 9999).description == "code(9999)")
    }
}
