import Foundation
import Messenger
import TestSupport
import Testing

/// Shared ids of the fixtures.
private let page = "104857600012345"
private let customer = "6543210987654321"

/// Decodes a fixture and returns its only event.
private func single(_ name: String) throws -> MessagingEvent {
    let envelope = try WebhookEnvelope.decode(WebhookFixtures.body(name))
    #expect(envelope.isPage)
    #expect(envelope.problems.isEmpty)
    #expect(envelope.entries.map(\.pageID) == [page])
    #expect(envelope.entries.first?.time == 1_764_140_400_000)
    let event = try #require(envelope.events.count == 1 ? envelope.events.first : nil)
    #expect(event.pageID == page)
    #expect(!event.isStandby)
    return event
}

/// A body of one entry for page "P" whose `messaging` holds `events` (JSON texts).
private func body(_ events: String..., key: String = "messaging") -> [UInt8] {
    Array(#"{"object":"page","entry":[{"id":"P","time":1,"\#(key)":[\#(events.joined(separator: ","))]}]}"#.utf8)
}

/// A well-formed customer text message event from "C" to "P".
private func textEvent(mid: String, timestamp: Int = 1000) -> String {
    #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":\#(timestamp),"message":{"mid":"\#(mid)","text":"t"}}"#
}

@Suite("Webhook decoding: the fixtures")
struct WebhookFixtureDecodingTests {
    @Test("every fixture decodes without problems", arguments: try WebhookFixtures.signatures().map(\.name))
    func everyFixture(name: String) throws {
        let envelope = try WebhookEnvelope.decode(WebhookFixtures.body(name))
        #expect(envelope.problems.isEmpty)
        #expect(!envelope.entries.isEmpty)
    }

    @Test("message-text: mid, text with escaped Vietnamese, ids and timestamp")
    func messageText() throws {
        let event = try single("message-text.json")
        #expect(event.senderID == customer)
        #expect(event.recipientID == page)
        #expect(event.timestamp == 1_764_140_400_000)
        let text =
            "Xin ch\u{e0}o, t\u{f4}i c\u{1ea7}n h\u{1ed7} tr\u{1ee3} \u{111}\u{1a1}n h\u{e0}ng #123 \u{2014} c\u{1ea3}m \u{1a1}n!"
        #expect(event.kind == .message(InboundMessage(mid: "m_AbC1", text: text)))
    }

    @Test("message-image: the attachment's type and payload.url")
    func messageImage() throws {
        let event = try single("message-image.json")
        #expect(event.timestamp == 1_764_140_401_000)
        let url = "https://scontent.example.invalid/v/t1.15752-9/photo.jpg"
        #expect(
            event.kind == .message(InboundMessage(mid: "m_AbC2", attachments: [Attachment(type: "image", url: url)])))
    }

    @Test("message-quick-reply: the quick reply payload")
    func quickReply() throws {
        let event = try single("message-quick-reply.json")
        #expect(event.timestamp == 1_764_140_402_000)
        #expect(event.kind == .message(InboundMessage(mid: "m_AbC3", text: "Yes", quickReplyPayload: "CONFIRM_ORDER")))
    }

    @Test("echo-from-herald: metadata, numeric app_id as a string, customer is the recipient")
    func echoFromHerald() throws {
        let event = try single("echo-from-herald.json")
        #expect(event.senderID == page)
        #expect(event.recipientID == customer)
        #expect(event.customerPSID == customer)
        #expect(event.timestamp == 1_764_140_460_000)
        let text = "Ch\u{fa}ng t\u{f4}i \u{111}\u{e3} nh\u{1ead}n \u{111}\u{1b0}\u{1ee3}c y\u{ea}u c\u{1ea7}u."
        #expect(
            event.kind == .echo(Echo(mid: "m_OUT42", appID: "2290001234567", metadata: "herald:msg:42", text: text)))
    }

    @Test("echo-from-bot: another app's echo, without metadata")
    func echoFromBot() throws {
        let event = try single("echo-from-bot.json")
        #expect(event.timestamp == 1_764_140_403_000)
        #expect(event.kind == .echo(Echo(mid: "m_BOT7", appID: "9990001", text: "Hi! I am the shop bot.")))
    }

    @Test("delivery: watermark and mids")
    func delivery() throws {
        let event = try single("delivery.json")
        #expect(event.senderID == customer)
        #expect(event.timestamp == 1_764_140_461_500)
        #expect(event.kind == .delivery(Delivery(watermark: 1_764_140_461_000, mids: ["m_OUT42"])))
    }

    @Test("read: watermark")
    func read() throws {
        let event = try single("read.json")
        #expect(event.timestamp == 1_764_140_490_000)
        #expect(event.kind == .read(Read(watermark: 1_764_140_461_000)))
    }

    @Test("postback: title, payload, mid")
    func postback() throws {
        let event = try single("postback.json")
        #expect(event.timestamp == 1_764_140_404_000)
        #expect(event.kind == .postback(Postback(mid: "m_PB1", title: "Track my order", payload: "TRACK_ORDER")))
    }

    @Test("reaction: reaction, emoji, action, mid")
    func reaction() throws {
        let event = try single("reaction.json")
        #expect(event.timestamp == 1_764_140_495_000)
        #expect(event.kind == .reaction(Reaction(mid: "m_OUT42", reaction: "love", emoji: "\u{2764}", action: "react")))
    }

    @Test("batched: 3 events over 2 entries, in body order")
    func batched() throws {
        let envelope = try WebhookEnvelope.decode(WebhookFixtures.body("batched.json"))
        #expect(envelope.problems.isEmpty)
        #expect(envelope.entries.map(\.events.count) == [2, 1])
        #expect(envelope.entries.map(\.time) == [1_764_140_412_000, 1_764_140_412_000])
        let events = envelope.events
        #expect(
            events.map(\.kind) == [
                .message(InboundMessage(mid: "m_B1", text: "first")),
                .message(InboundMessage(mid: "m_B2", text: "second")),
                .message(InboundMessage(mid: "m_B3", text: "other customer")),
            ])
        #expect(events.map(\.customerPSID) == [customer, customer, "7000000000000002"])
        #expect(events.map(\.timestamp) == [1_764_140_410_000, 1_764_140_411_000, 1_764_140_410_500])
        #expect(events.allSatisfy { $0.pageID == page })
    }

    @Test("not-a-page: decodes, is not a page, keeps its entry")
    func notAPage() throws {
        let envelope = try WebhookEnvelope.decode(WebhookFixtures.body("not-a-page.json"))
        #expect(envelope.object == "instagram")
        #expect(!envelope.isPage)
        #expect(envelope.entries == [WebhookEntry(pageID: "17841400000000", time: 1_764_140_400_000, events: [])])
        #expect(envelope.events.isEmpty)
        #expect(envelope.problems.isEmpty)
    }
}

@Suite("Webhook decoding: shapes beyond the fixtures")
struct WebhookShapeDecodingTests {
    @Test("standby events are flagged, messaging events are not")
    func standby() throws {
        let raw =
            #"{"object":"page","entry":[{"id":"P","messaging":[\#(textEvent(mid: "m_1"))],"standby":[\#(textEvent(mid: "m_2"))]}]}"#
        let envelope = try WebhookEnvelope.decode(Array(raw.utf8))
        #expect(envelope.events.map(\.isStandby) == [false, true])
        #expect(
            envelope.events.map(\.kind) == [
                .message(InboundMessage(mid: "m_1", text: "t")), .message(InboundMessage(mid: "m_2", text: "t")),
            ])
        let onlyStandby = try WebhookEnvelope.decode(body(textEvent(mid: "m_3"), key: "standby"))
        #expect(onlyStandby.events.map(\.isStandby) == [true])
    }

    @Test("an unknown kind is kept with its sorted keys, minus sender/recipient/timestamp")
    func unknownKind() throws {
        let event =
            #"{"timestamp":5,"zeta":1,"sender":{"id":"C"},"recipient":{"id":"P"},"pass_thread_control":{"new_owner_app_id":"1"}}"#
        let envelope = try WebhookEnvelope.decode(body(event))
        #expect(envelope.problems.isEmpty)
        let decoded = try #require(envelope.events.first)
        #expect(decoded.kind == .unknown(keys: ["pass_thread_control", "zeta"]))
        #expect(decoded.customerPSID == "C")
        #expect(!decoded.isCustomerInitiated)
    }

    @Test("referral and optin fields")
    func referralAndOptin() throws {
        let referral =
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"referral":{"ref":"AD1","source":"ADS","type":"OPEN_THREAD"}}"#
        let optin =
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":2,"optin":{"ref":"R","type":"notification_messages","payload":"X"}}"#
        let envelope = try WebhookEnvelope.decode(body(referral, optin))
        #expect(
            envelope.events.map(\.kind) == [
                .referral(Referral(ref: "AD1", source: "ADS", type: "OPEN_THREAD")),
                .optin(Optin(ref: "R", type: "notification_messages", payload: "X")),
            ])
    }

    @Test("reply_to, is_echo false, attachments without type or not objects, delivery without mids")
    func optionalParts() throws {
        let message =
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m_1","is_echo":false,"reply_to":{"mid":"m_0"},"attachments":[{"payload":{}},7,{"type":"sticker","payload":{"url":"u","sticker_id":369239263222822}}]}}"#
        let delivery = #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":2,"delivery":{"watermark":9}}"#
        let envelope = try WebhookEnvelope.decode(body(message, delivery))
        #expect(envelope.problems.isEmpty)
        #expect(
            envelope.events.map(\.kind) == [
                .message(
                    InboundMessage(
                        mid: "m_1", attachments: [Attachment(type: "unknown"), Attachment(type: "sticker", url: "u")],
                        replyToMID: "m_0")),
                .delivery(Delivery(watermark: 9, mids: [])),
            ])
    }

    @Test("ids and timestamps as numbers, strings and floats")
    func numbersAsStrings() throws {
        let raw = #"""
            {"object":"page","entry":[{"id":104857600012345,"time":"1764140400000","messaging":[
            {"sender":{"id":6543210987654321},"recipient":{"id":"104857600012345"},"timestamp":"1764140400000","message":{"mid":"m_1"}},
            {"sender":{"id":"6543210987654321"},"recipient":{"id":104857600012345},"timestamp":1764140400000.9,"read":{"watermark":"1764140399000"}},
            {"sender":{"id":18446744073709551615},"recipient":{"id":1.0e14},"timestamp":" 1.7641404e12 ","delivery":{"watermark":1.5e12,"mids":["m_a",42,null]}}
            ]}]}
            """#
        let envelope = try WebhookEnvelope.decode(Array(raw.utf8))
        #expect(envelope.problems.isEmpty)
        #expect(envelope.entries.map(\.pageID) == [page])
        #expect(envelope.entries.map(\.time) == [1_764_140_400_000])
        let events = envelope.events
        #expect(events.map(\.senderID) == [customer, customer, "18446744073709551615"])
        #expect(events.map(\.recipientID) == [page, page, "100000000000000"])
        #expect(events.map(\.timestamp) == [1_764_140_400_000, 1_764_140_400_000, 1_764_140_400_000])
        #expect(
            events.map(\.kind) == [
                .message(InboundMessage(mid: "m_1")),
                .read(Read(watermark: 1_764_140_399_000)),
                .delivery(Delivery(watermark: 1_500_000_000_000, mids: ["m_a", "42"])),
            ])
    }

    @Test("one bad event among good ones is skipped with a problem; the others decode in order")
    func oneBadEvent() throws {
        let bad = #"{"recipient":{"id":"P"},"timestamp":2,"message":{"mid":"m_bad"}}"#
        let envelope = try WebhookEnvelope.decode(body(textEvent(mid: "m_1"), bad, textEvent(mid: "m_3")))
        #expect(
            envelope.events.compactMap { if case .message(let m) = $0.kind { m.mid } else { nil } } == ["m_1", "m_3"])
        #expect(envelope.problems == ["entry 0 messaging 1: no sender.id"])
    }

    @Test(
        "what Postgres cannot store is a problem of that event only: U+0000 in ids, timestamps beyond year 9999 or before 1970"
    )
    func unstorableValues() throws {
        let nulSender = #"{"sender":{"id":"C\u0000x"},"recipient":{"id":"P"},"timestamp":5,"message":{"mid":"m_nul"}}"#
        let nulMid = #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":5,"message":{"mid":"m\u0000"}}"#
        let farFuture = textEvent(mid: "m_future", timestamp: 1_000_000_000_000_000_000)
        let negative = textEvent(mid: "m_past", timestamp: -5)
        let longID =
            #"{"sender":{"id":"\#(String(repeating: "9", count: 600))"},"recipient":{"id":"P"},"timestamp":5,"message":{"mid":"m_long"}}"#
        let envelope = try WebhookEnvelope.decode(
            body(textEvent(mid: "m_ok"), nulSender, nulMid, farFuture, negative, longID))
        #expect(envelope.events.compactMap { if case .message(let m) = $0.kind { m.mid } else { nil } } == ["m_ok"])
        #expect(envelope.problems.count == 5, "\(envelope.problems)")
    }

    @Test("U+0000 inside text becomes U+FFFD; the event is kept")
    func nulInText() throws {
        let event =
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":5,"message":{"mid":"m_t","text":"a\u0000b"}}"#
        let envelope = try WebhookEnvelope.decode(body(event))
        #expect(envelope.problems.isEmpty)
        guard case .message(let message) = try #require(envelope.events.first).kind else {
            Issue.record("expected a message")
            return
        }
        #expect(message.text == "a\u{FFFD}b")
    }

    @Test("an entry without id has its events skipped with a problem; one without messaging has none")
    func entries() throws {
        let raw =
            #"{"object":"page","entry":[{"messaging":[\#(textEvent(mid: "m_1")),\#(textEvent(mid: "m_2"))]},{"id":"P","time":3},{"id":"Q","messaging":[\#(textEvent(mid: "m_3"))]}]}"#
        let envelope = try WebhookEnvelope.decode(Array(raw.utf8))
        #expect(envelope.entries.map(\.pageID) == ["P", "Q"])
        #expect(envelope.entries.map(\.events.count) == [0, 1])
        #expect(envelope.events.map(\.pageID) == ["Q"])
        #expect(envelope.problems == ["entry 0: no id, 2 event(s) skipped"])
    }

    @Test("the stored content JSON uses snake_case keys and round-trips")
    func contentJSON() throws {
        let message = InboundMessage(
            mid: "m_1", text: "hi", attachments: [Attachment(type: "image", url: "u")], quickReplyPayload: "Q",
            replyToMID: "m_0")
        let data = try JSONEncoder().encode(message)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys.sorted()
        #expect(keys == ["attachments", "mid", "quick_reply_payload", "reply_to_mid", "text"])
        #expect(try JSONDecoder().decode(InboundMessage.self, from: data) == message)
        #expect(
            try JSONDecoder().decode(InboundMessage.self, from: Data(#"{"mid":"m_2"}"#.utf8))
                == InboundMessage(mid: "m_2"))

        let echo = Echo(mid: "m_3", appID: "7", metadata: "herald:msg:1", text: "x")
        let echoData = try JSONEncoder().encode(echo)
        let echoKeys = try #require(try JSONSerialization.jsonObject(with: echoData) as? [String: Any]).keys.sorted()
        #expect(echoKeys == ["app_id", "attachments", "metadata", "mid", "text"])
        #expect(try JSONDecoder().decode(Echo.self, from: echoData) == echo)
    }
}

@Suite("Webhook decoding: what each kind means for the customer")
struct WebhookEventMeaningTests {
    @Test(
        "customerPSID, isCustomerInitiated and opensWindow per kind",
        arguments: [
            (MessagingEvent.Kind.message(InboundMessage(mid: "m")), "S", true, true),
            (.echo(Echo(mid: "m")), "R", false, false),
            (.delivery(Delivery(watermark: 1)), "S", false, false),
            (.read(Read(watermark: 1)), "S", false, false),
            (.postback(Postback()), "S", true, true),
            (.reaction(Reaction()), "S", true, false),
            (.referral(Referral()), "S", true, false),
            (.optin(Optin()), "S", true, false),
            (.unknown(keys: ["x"]), "S", false, false),
        ] as [(MessagingEvent.Kind, String, Bool, Bool)])
    func meaning(kind: MessagingEvent.Kind, psid: String, customerInitiated: Bool, opensWindow: Bool) {
        let event = MessagingEvent(pageID: "P", senderID: "S", recipientID: "R", timestamp: 1, kind: kind)
        #expect(event.customerPSID == psid)
        #expect(event.isCustomerInitiated == customerInitiated)
        #expect(event.opensWindow == opensWindow)
    }

    @Test(
        "every fixture's event belongs to the fixtures' customer",
        arguments: [
            "message-text.json", "message-image.json", "message-quick-reply.json", "echo-from-herald.json",
            "echo-from-bot.json", "delivery.json", "read.json", "postback.json", "reaction.json",
        ])
    func fixtureCustomer(name: String) throws {
        #expect(try single(name).customerPSID == customer)
    }
}

@Suite("Webhook decoding: hostile bodies")
struct WebhookHostileDecodingTests {
    private func reason(_ bytes: [UInt8]) -> String? {
        #expect(throws: WebhookDecodingError.self) { try WebhookEnvelope.decode(bytes) }?.reason
    }

    @Test("not JSON, truncated JSON, invalid UTF-8, a lone surrogate and deep nesting throw \"not JSON\"")
    func notJSON() throws {
        let fixture = try WebhookFixtures.body("message-text.json")
        var invalidUTF8 = Array(#"{"object":"page","entry":[],"x":""#.utf8)
        invalidUTF8 += [0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80] + Array(#""}"#.utf8)
        let bodies: [[UInt8]] = [
            [], Array("hello".utf8), Array(fixture.dropLast(5)), Array(fixture.prefix(1)), invalidUTF8,
            Array(#"{"object":"page","entry":[],"x":"\ud800"}"#.utf8),
            Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8),
            (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) },
        ]
        for bytes in bodies {
            #expect(reason(bytes) == "body is not JSON")
        }
    }

    @Test("a body that is not an object, or whose entry is not an array, throws")
    func wrongEnvelope() {
        for raw in [
            "[]", "42", "null", #""page""#,
            "[" + String(repeating: "[", count: 99) + String(repeating: "]", count: 100),
        ] {
            #expect(reason(Array(raw.utf8)) == "body is not a JSON object")
        }
        for raw in [
            #"{"object":"page"}"#, #"{"object":"page","entry":"x"}"#, #"{"object":"page","entry":{"id":"P"}}"#,
            #"{"entry":null}"#,
        ] {
            #expect(reason(Array(raw.utf8)) == "entry is missing or not an array")
        }
        #expect(WebhookDecodingError(reason: "x").description.contains("x"))
    }

    @Test("100-level nesting inside an event decodes; the nested value is just an unknown key")
    func nestedInsideEvent() throws {
        let deep = String(repeating: #"{"a":"#, count: 100) + "1" + String(repeating: "}", count: 100)
        let event = #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"deep":\#(deep)}"#
        let envelope = try WebhookEnvelope.decode(body(event))
        #expect(envelope.events.map(\.kind) == [.unknown(keys: ["deep"])])
    }

    @Test("a 10,000-event batch decodes all 10,000, in order")
    func largeBatch() throws {
        let events = (0..<10_000).map { textEvent(mid: "m_\($0)", timestamp: 1_000 + $0) }
        let envelope = try WebhookEnvelope.decode(body(events.joined(separator: ",")))
        #expect(envelope.problems.isEmpty)
        #expect(envelope.events.count == 10_000)
        #expect(envelope.events.map(\.timestamp) == (0..<10_000).map { Int64(1_000 + $0) })
        #expect(envelope.events.last?.kind == .message(InboundMessage(mid: "m_9999", text: "t")))
    }

    @Test("SQL-injection strings, quotes and a 5 MB text are preserved verbatim")
    func hostileStrings() throws {
        // No U+0000: Postgres cannot store it (see unstorableValues and nulInText).
        let injection = "Robert'); DROP TABLE messages;-- \" \\ \u{1} $1 %s \u{1F600} ' OR '1'='1"
        let huge = String(repeating: "x\u{e9}", count: 2_500_000)
        let event: [String: Any] = [
            "sender": ["id": injection], "recipient": ["id": "P"], "timestamp": 1,
            "message": [
                "mid": injection, "text": injection,
                "attachments": [["type": injection, "payload": ["url": injection]]],
            ],
        ]
        let echo: [String: Any] = [
            "sender": ["id": "P"], "recipient": ["id": "C"], "timestamp": 2,
            "message": ["mid": "m_2", "is_echo": true, "metadata": injection, "text": huge],
        ]
        let postback: [String: Any] = [
            "sender": ["id": "C"], "recipient": ["id": "P"], "timestamp": 3,
            "postback": ["payload": injection, "title": injection],
        ]
        let root: [String: Any] = ["object": "page", "entry": [["id": "P", "messaging": [event, echo, postback]]]]
        let bytes = Array(try JSONSerialization.data(withJSONObject: root))
        let envelope = try WebhookEnvelope.decode(bytes)
        #expect(envelope.problems.isEmpty)
        #expect(envelope.events.first?.senderID == injection)
        #expect(
            envelope.events.map(\.kind) == [
                .message(
                    InboundMessage(
                        mid: injection, text: injection, attachments: [Attachment(type: injection, url: injection)])),
                .echo(Echo(mid: "m_2", metadata: injection, text: huge)),
                .postback(Postback(title: injection, payload: injection)),
            ])
    }

    @Test("wrong types inside entries skip the entry or event with a problem; nothing throws")
    func wrongTypesInside() throws {
        let good = textEvent(mid: "m_ok")
        let events = [
            "7", "null", #""event""#,
            #"{"sender":5,"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":true},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":{}},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":""},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":1.5},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":"C"},"recipient":[],"timestamp":1,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"message":{"mid":"m"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":"soon","message":{"mid":"m"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":true,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1e300,"message":{"mid":"m"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":"nan","message":{"mid":"m"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"message":"hello"}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"message":{"text":"no mid"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":["m"]}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"delivery":{"mids":["m"]}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"read":{"watermark":"x"}}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"postback":[1]}"#,
            #"{"sender":{"id":"C"},"recipient":{"id":"P"},"timestamp":1,"message":{"mid":"m_typed","text":5,"attachments":"x","quick_reply":"y"}}"#,
            good,
        ]
        let raw = #"""
            {"object":7,"entry":[1,"x",null,[],{"id":"P","messaging":{"a":1}},{"id":"P","standby":"x"},{"id":{},"messaging":[\#(good)]},
            {"id":"P","time":"late","messaging":[\#(events.joined(separator: ","))]}]}
            """#
        let envelope = try WebhookEnvelope.decode(Array(raw.utf8))
        #expect(envelope.object == "")
        #expect(!envelope.isPage)
        #expect(envelope.entries.map(\.pageID) == ["P", "P", "P"])
        #expect(envelope.entries.last?.time == nil)
        #expect(
            envelope.events.map(\.kind) == [
                .message(InboundMessage(mid: "m_typed")), .message(InboundMessage(mid: "m_ok", text: "t")),
            ])
        let inEvents = [
            "not an object", "not an object", "not an object",
            "no sender.id", "no sender.id", "no sender.id", "no sender.id", "no sender.id",
            "no recipient.id", "no timestamp", "no timestamp", "no timestamp", "no timestamp", "no timestamp",
            "message is not an object", "message without mid", "message without mid",
            "delivery without watermark", "read without watermark", "postback is not an object",
        ].enumerated().map { "entry 7 messaging \($0.offset): \($0.element)" }
        #expect(
            envelope.problems == [
                "entry 0: not an object", "entry 1: not an object", "entry 2: not an object", "entry 3: not an object",
                "entry 4: messaging is not an array", "entry 5: standby is not an array",
                "entry 6: no id, 1 event(s) skipped",
            ] + inEvents)
    }
}
