import Foundation
import Messenger
import Testing

/// The hand-written content JSON is the document `JSONEncoder` gives for the models: decoding it
/// back gives the same message.
@Suite("Stored content JSON")
struct StoredContentJSONTests {
    static let texts: [String?] = [
        nil, "", "plain", "quote \" backslash \\ slash / tab \t newline \n bell \u{7}", "Xin chào 😀", "\u{1F}\u{0}x",
    ]

    @Test(
        "customer messages decode back unchanged, optional parts left out when absent",
        arguments: StoredContentJSONTests.texts)
    func inboundMessages(text: String?) throws {
        let messages = [
            InboundMessage(mid: "m_1", text: text),
            InboundMessage(
                mid: "m_\"2", text: text,
                attachments: [Attachment(type: "image", url: text), Attachment(type: "file")],
                quickReplyPayload: text ?? "P", replyToMID: "m_0"),
        ]
        for message in messages {
            let decoded = try JSONDecoder().decode(InboundMessage.self, from: Data(message.storedJSON))
            #expect(decoded == message.replacingNUL())
            #expect(
                try Self.object(message.storedJSON).keys.sorted() == Self.object(Self.encoded(message)).keys.sorted())
        }
    }

    @Test("echoes decode back unchanged", arguments: StoredContentJSONTests.texts)
    func echoes(text: String?) throws {
        let echo = Echo(
            mid: "m_e", appID: "9990001", metadata: text, text: text, attachments: [Attachment(type: "video", url: "u")]
        )
        let decoded = try JSONDecoder().decode(Echo.self, from: Data(echo.storedJSON))
        #expect(decoded.mid == echo.mid && decoded.appID == echo.appID && decoded.attachments == echo.attachments)
        #expect(decoded.text == echo.text?.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}"))
        #expect(try Self.object(echo.storedJSON).keys.sorted() == Self.object(Self.encoded(echo)).keys.sorted())
    }

    private static func encoded(_ value: some Encodable) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }

    private static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}

extension InboundMessage {
    /// U+0000 is stored as U+FFFD (jsonb cannot hold it).
    fileprivate func replacingNUL() -> InboundMessage {
        func clean(_ text: String?) -> String? { text?.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        return InboundMessage(
            mid: mid, text: clean(text), attachments: attachments.map { Attachment(type: $0.type, url: clean($0.url)) },
            quickReplyPayload: clean(quickReplyPayload), replyToMID: replyToMID)
    }
}
