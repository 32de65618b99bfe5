import Foundation
import Messenger
import TestSupport
import Testing

/// The one-pass scanner reads the common shape exactly as the general decoder does, and leaves
/// every other body to it.
@Suite("Webhook scanner")
struct WebhookScannerTests {
    /// The scanner's answer must be the general decoder's, or nil.
    private func expectAgreement(_ body: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard let scanned = WebhookEnvelope.scanCommonShape(body) else { return false }
        let general = try? WebhookEnvelope.decodeAnyShape(body)
        #expect(scanned == general, "\(String(decoding: body, as: UTF8.self))", sourceLocation: sourceLocation)
        return true
    }

    @Test(
        "every fixture of the common shape is scanned, to the general decoder's envelope",
        arguments: try WebhookFixtures.signatures().map(\.name))
    func fixtures(name: String) throws {
        let body = try WebhookFixtures.body(name)
        let uncommon = ["reaction.json", "delivery-timestamp-zero.json"]
        #expect(expectAgreement(body) == !uncommon.contains(name))
    }

    @Test("escapes, unknown keys, whitespace, standby, attachments and a postback read as in general")
    func commonShapeVariants() {
        let page = WebhookBuilder.page
        let bodies = [
            #"{"object":"page","entry":[{"id":"1","time":5,"messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":7,"message":{"mid":"m\/1","text":"caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t","nlp":{"x":[1,2.5e3,-0.1,true,null,{"y":"z"}]}}}]}]}"#,
            " {\n \"entry\" : [ { \"messaging\" : [ ] , \"id\" : \"9\" } ] , \"object\" : \"page\" , \"extra\" : [ ] } \n",
            #"{"object":"page","entry":[{"id":"\#(page)","standby":[{"sender":{"id":"2"},"recipient":{"id":"\#(page)"},"timestamp":8,"message":{"mid":"s1","text":"x"}}],"messaging":[{"sender":{"id":"2","user_ref":"u"},"recipient":{"id":"\#(page)"},"timestamp":9,"read":{"watermark":0,"seq":1}}]}]}"#,
            #"{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":9,"message":{"mid":"m2","attachments":[{"type":"file","payload":{"url":"https://x.invalid/a"}},{"payload":{}},{"type":"image","payload":{"url":"u","sticker_id":5}}],"reply_to":{"mid":"m1"},"quick_reply":{"payload":"P","x":1},"is_echo":false}}]}]}"#,
            #"{"object":"page","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":3,"message":{"is_echo":true,"app_id":"77","metadata":"herald:5","mid":"e1"}},{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":4,"delivery":{"watermark":3}},{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":5,"postback":{"title":"T","payload":"P","referral":{"ref":"r"}}}]}]}"#,
            #"{"object":"instagram","entry":[]}"#,
        ]
        for body in bodies { #expect(expectAgreement(Array(body.utf8))) }
    }

    @Test("odd bodies are left to the general decoder")
    func oddShapesGiveUp() {
        let event = #"{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":7,"message":{"mid":"m","text":"x"}}"#
        func wrap(_ event: String) -> [UInt8] {
            Array(#"{"object":"page","entry":[{"id":"1","messaging":[\#(event)]}]}"#.utf8)
        }
        let odd: [[UInt8]] = [
            wrap(event.replacingOccurrences(of: #""id":"2""#, with: #""id":2"#)),
            wrap(event.replacingOccurrences(of: "\"timestamp\":7", with: "\"timestamp\":0")),
            wrap(event.replacingOccurrences(of: "\"timestamp\":7", with: "\"timestamp\":7.5")),
            wrap(event.replacingOccurrences(of: "\"timestamp\":7", with: "\"timestamp\":\"7\"")),
            wrap(event.replacingOccurrences(of: "\"timestamp\":7", with: "\"timestamp\":253402300800000")),
            wrap(event.replacingOccurrences(of: "\"text\":\"x\"", with: "\"text\":\"a\\u0000b\"")),
            wrap(event.replacingOccurrences(of: "\"text\":\"x\"", with: "\"text\":\"\\ud800\"")),
            wrap(event.replacingOccurrences(of: "\"text\":\"x\"", with: "\"text\":\"x\",\"text\":\"y\"")),
            wrap(event.replacingOccurrences(of: "\"mid\":\"m\"", with: "\"mid\":\"\"")),
            wrap(event.replacingOccurrences(of: "\"message\"", with: "\"reaction\"")),
            wrap(event.replacingOccurrences(of: "}}", with: "},\"read\":{\"watermark\":1}}")),
            wrap(event + ",1"),
            wrap(event) + Array(" x".utf8),
            Array(#"{"object":"page","entry":[{"id":"1","messaging":[\#(event),]}]}"#.utf8),
            Array(#"{"object":"page","entry":[{"id":"1","messaging":[\#(event)]}],"entry":[]}"#.utf8),
            Array(#"{"object":"page","entry":{}}"#.utf8),
            Array(
                #"{"object":"page","entry":[{"id":"1","x":\#(String(repeating: "[", count: 40))\#(String(repeating: "]", count: 40))}]}"#
                    .utf8),
            Array(#"{"object":"page","entry":[{"id":"caf"#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8),
            Array("\u{FEFF}{\"object\":\"page\",\"entry\":[]}".utf8),
            Array("[]".utf8),
        ]
        for body in odd {
            #expect(WebhookEnvelope.scanCommonShape(body) == nil, "\(String(decoding: body, as: UTF8.self))")
        }
    }

    @Test("thousands of mutated fixtures: whenever the scanner answers, the general decoder agrees")
    func mutations() throws {
        var random = SystemRandomNumberGenerator()
        let replacements = Array(#"0 19"\{}[],:.e-tfnu/"#.utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        var scanned = 0
        var leftToGeneral = 0
        for (name, _) in try WebhookFixtures.signatures() {
            let original = try WebhookFixtures.body(name)
            for _ in 0..<400 {
                var body = original
                let position = Int.random(in: 0..<body.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: body.remove(at: position)
                case 1: body.insert(replacements.randomElement(using: &random)!, at: position)
                default: body[position] = replacements.randomElement(using: &random)!
                }
                if expectAgreement(body) { scanned += 1 } else { leftToGeneral += 1 }
            }
        }
        #expect(scanned > 100)
        #expect(leftToGeneral > 100)
    }
}
