import Foundation
import HeraldCore
import Testing

/// `WebhookEventBody`: only bytes that are one JSON value may be written into an API answer as
/// they are; everything else goes out base64.
@Suite("Stored webhook bodies")
struct WebhookEventBodyTests {
    @Test(
        "one JSON value, whitespace around it allowed, is JSON",
        arguments: [
            #"{"object":"page","entry":[]}"#, " [1, 2.50, -3e2]\n", #""just a string""#, "null", "true", "\t42\r\n",
            #"{"k":"caf\u00e9 \ud83d\ude00 é 😀","e":"\"\\\/\b\f\n\r\t","n":[0,-0,1.5e-3,2E+10,-12.0]}"#,
            String(repeating: "[", count: 128) + String(repeating: "]", count: 128),
        ])
    func json(text: String) {
        let body = WebhookEventBody(Array(text.utf8))
        #expect(body == .json(Array(text.utf8)))
        #expect(body.encoding == "json")
    }

    @Test(
        "anything else is binary",
        arguments: [
            "", "   ", "not json", #"{"a":1} trailing"#, #"{"a":1}{"b":2}"#, "{\"a\":\"line\nbreak\"}", "[1,]",
            "'single'",
            "NaN", "\u{FEFF}{}", #"{"a":1,}"#, "01", "1.", ".5", "-", "+1", "1e", #""\x""#, #""\u12""#, #"{"a" 1}"#,
            #"{1:2}"#, "[1 2]", "nul", "True", #""unterminated"#, "\u{0}", "[\"tab\there\"]",
            String(repeating: "[", count: 129) + String(repeating: "]", count: 129),
        ])
    func binary(text: String) {
        let body = WebhookEventBody(Array(text.utf8))
        #expect(body == .binary(Array(text.utf8)), "\(text.debugDescription)")
        #expect(body.encoding == "base64")
    }

    @Test("bytes that are not UTF-8 are binary, even inside a JSON string")
    func invalidUTF8() {
        let bytes = Array(#"{"text":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(WebhookEventBody(bytes) == .binary(bytes))
        #expect(WebhookEventBody([0xFF, 0xFE, 0x00]).bytes == [0xFF, 0xFE, 0x00])
        // A surrogate, an overlong "/", a code point above U+10FFFF, a cut sequence: not UTF-8.
        for sequence: [UInt8] in [[0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            let quoted = [UInt8(ascii: "\"")] + sequence + [UInt8(ascii: "\"")]
            #expect(WebhookEventBody(quoted).encoding == "base64", "\(sequence)")
        }
    }
}
