import Curl
import Testing

@Suite("CurlConfiguration defaults")
struct CurlConfigurationTests {
    /// The documented defaults are part of the API: callers rely on them without setting anything.
    @Test func defaultsMatchTheDocumentation() {
        let configuration = CurlConfiguration()
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.totalTimeout == .seconds(30))
        #expect(configuration.maxResponseBodyBytes == 1_048_576)
        #expect(configuration.userAgent == "herald")
        #expect(configuration.followRedirects == false)
        #expect(configuration.maxRedirects == 5)
        #expect(configuration.proxy == nil)
        #expect(configuration.threadCount == 4)
    }

    @Test func jsonRequestAddsContentTypeBeforeCallerHeaders() {
        let request = HTTPRequest.json(
            .put, url: "http://127.0.0.1/x", body: Array("{}".utf8),
            headers: [HTTPHeader(name: "Authorization", value: "Bearer t")])
        #expect(request.method == .put)
        #expect(request.body == Array("{}".utf8))
        #expect(request.headers.map(\.name) == ["Content-Type", "Authorization"])
        #expect(request.headers.first?.value == "application/json")
    }
}
