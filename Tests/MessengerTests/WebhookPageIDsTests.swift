import Foundation
import Messenger
import Testing

/// `WebhookEnvelope.pageIDs`: which pages a stored body was for, as the dead-letter API lists it.
@Suite("Webhook page ids")
struct WebhookPageIDsTests {
    func ids(_ text: String) -> [String] { WebhookEnvelope.pageIDs(in: Array(text.utf8)) }

    @Test("entry ids in body order, each once; numbers read as ids; entries without one skipped")
    func readable() {
        #expect(
            ids(#"{"object":"page","entry":[{"id":"2"},{"id":"1"},{"id":"2"},{"time":5},{"id":3}]}"#) == [
                "2", "1", "3",
            ])
        // Read whatever the object is: a parked instagram webhook still names its account.
        #expect(ids(#"{"object":"instagram","entry":[{"id":"17841400000000000"}]}"#) == ["17841400000000000"])
        // Senders and recipients are not entries.
        #expect(
            ids(#"{"object":"page","entry":[{"id":"P","messaging":[{"sender":{"id":"C"},"recipient":{"id":"P"}}]}]}"#)
                == ["P"])
    }

    @Test(
        "unreadable bodies have none",
        arguments: [
            "", "not json", "[1,2]", #"{"entry":{}}"#, #"{"object":"page"}"#,
            #"{"entry":[1,"x",{"id":""},{"id":1.5}]}"#,
        ])
    func unreadable(text: String) {
        #expect(ids(text) == [])
    }

    @Test("invalid UTF-8 has none")
    func invalidUTF8() {
        #expect(
            WebhookEnvelope.pageIDs(in: Array(#"{"entry":[{"id":"1"}],"x":""#.utf8) + [0xFF] + Array(#""}"#.utf8)) == []
        )
    }
}
