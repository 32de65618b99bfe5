import Messenger
import TestSupport
import Testing

/// Facebook has sent events with `"timestamp": 0`. Such a time is unknown, never 1970: a receipt
/// takes its watermark, any other event the entry's `time`.
@Suite("Webhook decoding: event times of 0 or none")
struct EventTimeDecodingTests {
    static let entryTime: Int64 = 1_764_140_470_000
    static let watermark: Int64 = 1_764_140_461_000

    static func body(_ event: String, entryTime: String? = "\(entryTime)") -> [UInt8] {
        let time = entryTime.map { #""time":\#($0),"# } ?? ""
        return Array(
            #"{"object":"page","entry":[{"id":"P",\#(time)"messaging":[{"sender":{"id":"C"},"recipient":{"id":"P"},\#(event)}]}]}"#
                .utf8)
    }

    @Test(
        "the time an event is given",
        arguments: [
            (#""timestamp":0,"delivery":{"watermark":\#(watermark)}"#, watermark),
            (#""timestamp":0,"read":{"watermark":\#(watermark)}"#, watermark),
            (#""read":{"watermark":\#(watermark)}"#, watermark),
            (#""timestamp":"0","delivery":{"watermark":\#(watermark)}"#, watermark),
            (#""timestamp":0,"message":{"mid":"m_1","text":"hi"}"#, entryTime),
            (#""message":{"mid":"m_1","text":"hi"}"#, entryTime),
            (#""timestamp":0,"postback":{"title":"Go","payload":"GO"}"#, entryTime),
            (#""timestamp":null,"message":{"mid":"m_1","text":"hi"}"#, entryTime),
            // A known time is kept as it is, also on receipts.
            (#""timestamp":1764140490000,"read":{"watermark":\#(watermark)}"#, 1_764_140_490_000),
            (#""timestamp":1,"message":{"mid":"m_1","text":"hi"}"#, 1),
        ] as [(String, Int64)])
    func time(event: String, expected: Int64) throws {
        let envelope = try WebhookEnvelope.decode(Self.body(event))
        #expect(envelope.problems.isEmpty)
        let decoded = try #require(envelope.entries.first?.events.first)
        #expect(decoded.timestamp == expected)
    }

    @Test("a time that is given but unreadable stays a problem; the entry's time does not paper over it")
    func unreadableTime() throws {
        for given in ["-5", "\"soon\"", "1000000000000000000"] {
            let envelope = try WebhookEnvelope.decode(
                Self.body(#""timestamp":\#(given),"message":{"mid":"m_1","text":"hi"}"#))
            #expect(envelope.entries.first?.events.isEmpty == true)
            #expect(envelope.problems == ["entry 0 messaging 0: no timestamp"], "\(given)")
        }
    }

    @Test("with no time anywhere the event is a problem, not an event of 1970")
    func noTimeAnywhere() throws {
        for entryTime in [nil, "0"] {
            let envelope = try WebhookEnvelope.decode(
                Self.body(#""timestamp":0,"message":{"mid":"m_1","text":"hi"}"#, entryTime: entryTime))
            #expect(envelope.entries.first?.events.isEmpty == true)
            #expect(envelope.problems == ["entry 0 messaging 0: no timestamp"])
        }
    }

    @Test("the captured delivery with timestamp 0 takes its watermark")
    func capturedFixture() throws {
        let envelope = try WebhookEnvelope.decode(WebhookFixtures.body("delivery-timestamp-zero.json"))
        let event = try #require(envelope.entries.first?.events.first)
        #expect(event.timestamp == Self.watermark)
        #expect(event.kind == .delivery(.init(watermark: Self.watermark, mids: ["m_OUT42"])))
    }
}
