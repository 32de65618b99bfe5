import Curl
import HeraldCore
import Messenger
import Testing

/// The POST-time rule: the first URL field whose host is a refused address literal.
@Suite("Outbound URL safety: address literals in URL fields")
struct OutboundURLSafetyTests {
    static func content(_ json: String) throws -> OutboundContent {
        try OutboundContent.decode(Array(json.utf8))
    }

    @Test("the first refused field is named; the detail is always the same sentence")
    func firstRefusedField() throws {
        let carousel = try Self.content(
            #"{"carousel":{"elements":[{"title":"A","image_url":"https://cdn.example.com/a.png"},"#
                + #"{"title":"B","image_url":"https://8.8.8.8/b.png","buttons":[{"type":"web_url","title":"Go","url":"http://[fe80::1]/"},"#
                + #"{"type":"web_url","title":"Meta","url":"http://169.254.169.254/"}]}]}}"#)
        let violation = try #require(carousel.addressViolation(.publicOnly))
        #expect(violation.rule == .notPubliclyReachable)
        #expect(violation.field == "carousel.elements[1].buttons[0].url")
        #expect(violation.detail == "URL is not publicly reachable")
        #expect(violation.reason == .invalidFormat)
        #expect(carousel.addressViolation(.anyAddress) == nil)
    }

    @Test("names, public literals and text links pass")
    func passes() throws {
        for json in [
            #"{"image":{"url":"https://localhost/a.png"}}"#, #"{"file":{"url":"https://1.1.1.1/f.pdf"}}"#,
            #"{"text":"http://127.0.0.1/"}"#, #"{"image":{}}"#,
        ] {
            #expect(try Self.content(json).addressViolation(.publicOnly) == nil, "\(json)")
        }
    }

    @Test("an endpoint allowed for testing passes on its port only")
    func testingEndpoint() throws {
        let policy = AddressPolicy(allowedForTesting: [.init(address: IPAddress(127, 0, 0, 1), port: 8080)])
        #expect(try Self.content(#"{"image":{"url":"http://127.0.0.1:8080/a.png"}}"#).addressViolation(policy) == nil)
        #expect(try Self.content(#"{"image":{"url":"http://127.0.0.1:8081/a.png"}}"#).addressViolation(policy) != nil)
    }
}
