import Foundation
import Messenger
import Testing

private typealias Element = OutboundContent.Element
private typealias Button = OutboundContent.Button

private func decode(_ json: String) throws(OutboundContentError) -> OutboundContent {
    try OutboundContent.decode(Array(json.utf8))
}

/// A valid carousel element, to be broken one field at a time.
private func card(
    _ title: String? = "Title", subtitle: String? = "Sub", imageURL: String? = "https://a.example/i.png",
    buttons: [Button] = []
) -> Element {
    Element(title: title, subtitle: subtitle, imageURL: imageURL, buttons: buttons)
}

private func carousel(_ elements: Element...) -> OutboundContent {
    .carousel(.init(elements: elements))
}

/// Parses JSON and writes it back with sorted keys: a canonical form to compare documents.
private func canonical(_ bytes: [UInt8]) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(bytes))
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}

private func canonical(_ json: String) throws -> String { try canonical(Array(json.utf8)) }

@Suite("Outbound content: request shapes")
struct OutboundShapeTests {
    @Test(
        "each kind decodes",
        arguments: [
            (#"{"text":"Hello 👋"}"#, OutboundContent.text("Hello 👋")),
            (#"{"image":{"url":"https://a.example/x.png"}}"#, .image(.init(url: "https://a.example/x.png"))),
            (#"{"file":{"url":"https://a.example/x.pdf"}}"#, .file(.init(url: "https://a.example/x.pdf"))),
            (
                #"{"file":{"url":"https://a.example/x.pdf","size_bytes":1024}}"#,
                .file(.init(url: "https://a.example/x.pdf", sizeBytes: 1024))
            ),
            (#"{"file":{"url":"u","size_bytes":1e3}}"#, .file(.init(url: "u", sizeBytes: 1000))),
            (
                #"{"carousel":{"elements":[{"title":"T","subtitle":"S","image_url":"https://a.example/i.png","buttons":[{"type":"web_url","title":"Open","url":"https://a.example"},{"type":"postback","title":"Yes","payload":"YES"}]}]}}"#,
                carousel(
                    card(
                        "T", subtitle: "S", imageURL: "https://a.example/i.png",
                        buttons: [
                            .webURL(title: "Open", url: "https://a.example"), .postback(title: "Yes", payload: "YES"),
                        ]))
            ),
            (#"{"text":"hi","extra":{"ignored":true}}"#, .text("hi")),
            (#"{"text":"hi","image":null}"#, .text("hi")),
        ] as [(String, OutboundContent)])
    func decodes(json: String, expected: OutboundContent) throws {
        #expect(try decode(json) == expected)
    }

    /// Well-shaped but against Messenger's rules: stored, then failed with `invalid_format`.
    @Test(
        "well-shaped content that breaks format rules is accepted for storage",
        arguments: [
            (#"{"text":""}"#, OutboundContent.text("")),
            (#"{"text":"   "}"#, .text("   ")),
            (#"{"image":{}}"#, .image(.init(url: nil))),
            (#"{"image":{"url":null}}"#, .image(.init(url: nil))),
            (#"{"file":{}}"#, .file(.init(url: nil))),
            (#"{"carousel":{}}"#, .carousel(.init(elements: []))),
            (#"{"carousel":{"elements":null}}"#, .carousel(.init(elements: []))),
            (#"{"carousel":{"elements":[{}]}}"#, carousel(Element(title: nil))),
            (
                #"{"carousel":{"elements":[{"title":"T","buttons":[{}]}]}}"#,
                carousel(Element(title: "T", buttons: [Button(type: nil, title: nil)]))
            ),
            (
                #"{"carousel":{"elements":[{"title":"T","buttons":[{"type":"call","title":"x"}]}]}}"#,
                carousel(Element(title: "T", buttons: [Button(type: "call", title: "x")]))
            ),
        ] as [(String, OutboundContent)])
    func storable(json: String, expected: OutboundContent) throws {
        let content = try decode(json)
        #expect(content == expected)
        #expect(content.formatViolation() != nil)
    }

    @Test(
        "malformed bodies are 400 with what is wrong",
        arguments: [
            ("", OutboundContentError.Code.notJSON, String?.none),
            ("{", .notJSON, nil),
            ("text=hi", .notJSON, nil),
            ("[]", .notAnObject, nil),
            (#""hi""#, .notAnObject, nil),
            ("5", .notAnObject, nil),
            ("null", .notAnObject, nil),
            ("{}", .noContentKind, nil),
            (#"{"txt":"hi"}"#, .noContentKind, nil),
            (#"{"text":null}"#, .noContentKind, nil),
            (#"{"text":"a","image":{"url":"https://a.example"}}"#, .severalContentKinds, nil),
            (#"{"file":{},"carousel":{}}"#, .severalContentKinds, nil),
            (#"{"text":5}"#, .wrongType, "text"),
            (#"{"text":true}"#, .wrongType, "text"),
            (#"{"text":["a"]}"#, .wrongType, "text"),
            (#"{"image":"https://a.example/x.png"}"#, .wrongType, "image"),
            (#"{"image":{"url":5}}"#, .wrongType, "image.url"),
            (#"{"file":[]}"#, .wrongType, "file"),
            (#"{"file":{"url":{}}}"#, .wrongType, "file.url"),
            (#"{"file":{"url":"u","size_bytes":"12"}}"#, .wrongType, "file.size_bytes"),
            (#"{"file":{"url":"u","size_bytes":-1}}"#, .wrongType, "file.size_bytes"),
            (#"{"file":{"url":"u","size_bytes":1.5}}"#, .wrongType, "file.size_bytes"),
            (#"{"file":{"url":"u","size_bytes":true}}"#, .wrongType, "file.size_bytes"),
            (#"{"carousel":[]}"#, .wrongType, "carousel"),
            (#"{"carousel":{"elements":{}}}"#, .wrongType, "carousel.elements"),
            (#"{"carousel":{"elements":[5]}}"#, .wrongType, "carousel.elements[0]"),
            (
                #"{"carousel":{"elements":[{"title":"a","subtitle":"b"},{"title":5}]}}"#, .wrongType,
                "carousel.elements[1].title"
            ),
            (#"{"carousel":{"elements":[{"title":"a","subtitle":1}]}}"#, .wrongType, "carousel.elements[0].subtitle"),
            (
                #"{"carousel":{"elements":[{"title":"a","image_url":[]}]}}"#, .wrongType,
                "carousel.elements[0].image_url"
            ),
            (#"{"carousel":{"elements":[{"title":"a","buttons":{}}]}}"#, .wrongType, "carousel.elements[0].buttons"),
            (
                #"{"carousel":{"elements":[{"title":"a","buttons":["x"]}]}}"#, .wrongType,
                "carousel.elements[0].buttons[0]"
            ),
            (
                #"{"carousel":{"elements":[{"title":"a","buttons":[{"type":"postback","title":"t","payload":"p"},{"type":"web_url","title":2}]}]}}"#,
                .wrongType, "carousel.elements[0].buttons[1].title"
            ),
            (
                #"{"carousel":{"elements":[{"title":"a","buttons":[{"type":"postback","title":"t","payload":{}}]}]}}"#,
                .wrongType, "carousel.elements[0].buttons[0].payload"
            ),
            (
                #"{"carousel":{"elements":[{"title":"a","buttons":[{"type":1}]}]}}"#,
                .wrongType, "carousel.elements[0].buttons[0].type"
            ),
        ] as [(String, OutboundContentError.Code, String?)])
    func malformed(json: String, code: OutboundContentError.Code, field: String?) {
        let error = #expect(throws: OutboundContentError.self) { try decode(json) }
        #expect(error?.code == code)
        #expect(error?.field == field)
        if let field { #expect(error?.message.hasPrefix(field + " must be ") == true) }
    }

    @Test("invalid UTF-8 is not JSON")
    func invalidUTF8() {
        #expect(throws: OutboundContentError.self) {
            try OutboundContent.decode([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])
        }
        #expect((try? OutboundContent.decode([0xFF])) == nil)
    }

    @Test("error messages name the problem")
    func messages() {
        #expect(
            throws: OutboundContentError(
                code: .noContentKind, message: "body must contain exactly one of text, image, file, carousel")
        ) { try decode("{}") }
        do {
            _ = try decode(#"{"carousel":{},"text":"a","image":{}}"#)
            Issue.record("expected an error")
        } catch {
            #expect(
                error.message
                    == "body must contain exactly one of text, image, file, carousel; found text, image, carousel")
            #expect(error.code.rawValue == "several_content_kinds")
        }
        do {
            _ = try decode(#"{"file":{"url":"u","size_bytes":-5}}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "file.size_bytes must be a non-negative integer")
            #expect(!error.description.contains("-5"))
        }
    }
}

@Suite("Outbound content: stored JSON")
struct OutboundStorageTests {
    static let samples: [OutboundContent] = [
        .text("Hi \"there\" ✓"),
        .text(""),
        .image(.init(url: "https://a.example/x.png")),
        .image(.init(url: nil)),
        .file(.init(url: "https://a.example/x.pdf", sizeBytes: 99)),
        .file(.init(url: "https://a.example/x.pdf")),
        carousel(
            card("A", subtitle: nil, imageURL: "https://a.example/a.png"),
            card("B", buttons: [.webURL(title: "Go", url: "https://b.example"), .postback(title: "P", payload: "p")]),
            Element(title: nil, buttons: [Button(type: "x", title: nil, url: "u", payload: "p")])),
        .carousel(.init(elements: [])),
    ]

    @Test("Codable round-trips, and the stored JSON reads back through the request decoder", arguments: samples)
    func roundTrip(content: OutboundContent) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(content)
        #expect(try JSONDecoder().decode(OutboundContent.self, from: data) == content)
        #expect(try OutboundContent.decode(Array(data)) == content)
    }

    @Test("the stored form is the request's shape")
    func storedShape() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let file = try encoder.encode(OutboundContent.file(.init(url: "https://a.example/x", sizeBytes: 10)))
        #expect(String(decoding: file, as: UTF8.self) == #"{"file":{"size_bytes":10,"url":"https://a.example/x"}}"#)
        let card = try encoder.encode(carousel(Element(title: "T", imageURL: "https://i.example")))
        #expect(
            String(decoding: card, as: UTF8.self)
                == #"{"carousel":{"elements":[{"image_url":"https://i.example","title":"T"}]}}"#)
        #expect(String(decoding: try encoder.encode(OutboundContent.text("a")), as: UTF8.self) == #"{"text":"a"}"#)
    }

    @Test(
        "stored JSON with no kind or two kinds does not decode",
        arguments: ["{}", #"{"text":"a","file":{}}"#, #"{"text":null}"#])
    func storedRejects(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(OutboundContent.self, from: Data(json.utf8)) }
    }

    @Test("kind")
    func kind() {
        #expect(
            Self.samples.map(\.kind.rawValue) == [
                "text", "text", "image", "image", "file", "file", "carousel", "carousel",
            ])
    }
}

/// A format case: content, the rule it breaks (nil: valid) and the field named.
struct FormatCase: Sendable, CustomTestStringConvertible {
    var label: String
    var content: OutboundContent
    var rule: FormatViolation.Rule?
    var field: String?

    var testDescription: String { "\(label) → \(rule?.rawValue ?? "valid")" }

    init(_ label: String, _ content: OutboundContent, _ rule: FormatViolation.Rule?, _ field: String? = nil) {
        self.label = label
        self.content = content
        self.rule = rule
        self.field = field
    }
}

private let family = "👨‍👩‍👧‍👦"  // one Character, seven Unicode scalars, eleven UTF-16 units
private let ok = Button.postback(title: "OK", payload: "OK")

let formatCases: [FormatCase] = [
    // text
    FormatCase("plain text", .text("Hello"), nil),
    FormatCase("empty text", .text(""), .emptyText, "text"),
    FormatCase("whitespace text", .text(" \n\t\u{3000}"), .emptyText, "text"),
    FormatCase("2000 characters", .text(String(repeating: "a", count: 2000)), nil),
    FormatCase("2001 characters", .text(String(repeating: "a", count: 2001)), .textTooLong, "text"),
    FormatCase("1000 astral emoji (2000 UTF-16 units)", .text(String(repeating: "😀", count: 1000)), nil),
    FormatCase("2000 astral emoji", .text(String(repeating: "😀", count: 2000)), nil),
    FormatCase("286 family emoji (2002 scalars)", .text(String(repeating: family, count: 286)), .textTooLong, "text"),
    FormatCase("285 family emoji (1995 scalars)", .text(String(repeating: family, count: 285)), nil),
    // image and file
    FormatCase("image", .image(.init(url: "https://a.example/x.png")), nil),
    FormatCase("image, upper-case scheme", .image(.init(url: "HTTPS://A.example/x.png")), nil),
    FormatCase("image, IPv6 host and port", .image(.init(url: "http://[::1]:8080/x.png")), nil),
    FormatCase("image, user and port", .image(.init(url: "http://u:p@a.example:8080/x?y#z")), nil),
    FormatCase("image without url", .image(.init(url: nil)), .missingURL, "image.url"),
    FormatCase("image with empty url", .image(.init(url: "")), .missingURL, "image.url"),
    FormatCase("image with blank url", .image(.init(url: "  ")), .missingURL, "image.url"),
    FormatCase("image with ftp url", .image(.init(url: "ftp://a.example/x.png")), .invalidURL, "image.url"),
    FormatCase("image with relative url", .image(.init(url: "a.example/x.png")), .invalidURL, "image.url"),
    FormatCase("image with no host", .image(.init(url: "https:///x.png")), .invalidURL, "image.url"),
    FormatCase("image with scheme only", .image(.init(url: "https://")), .invalidURL, "image.url"),
    FormatCase("image with a space", .image(.init(url: "https://a.example/x y.png")), .invalidURL, "image.url"),
    FormatCase("image with leading space", .image(.init(url: " https://a.example/x.png")), .invalidURL, "image.url"),
    FormatCase("file", .file(.init(url: "http://a.example/x.pdf", sizeBytes: 1)), nil),
    FormatCase("file without url", .file(.init(url: nil, sizeBytes: 1)), .missingURL, "file.url"),
    FormatCase("file with javascript url", .file(.init(url: "javascript:alert(1)")), .invalidURL, "file.url"),
    // carousel
    FormatCase("one card with subtitle and image", carousel(card()), nil),
    FormatCase("card with image only", carousel(card(subtitle: nil, imageURL: "https://a.example/i.png")), nil),
    FormatCase("card with buttons only", carousel(card(subtitle: nil, imageURL: nil, buttons: [ok])), nil),
    FormatCase("card with subtitle and a button", carousel(card(imageURL: nil, buttons: [ok])), nil),
    FormatCase("ten cards", .carousel(.init(elements: Array(repeating: card(), count: 10))), nil),
    FormatCase("no cards", .carousel(.init(elements: [])), .noElements, "carousel.elements"),
    FormatCase(
        "eleven cards", .carousel(.init(elements: Array(repeating: card(), count: 11))), .tooManyElements,
        "carousel.elements"),
    FormatCase("card without title", carousel(card(nil)), .missingTitle, "carousel.elements[0].title"),
    FormatCase("card with blank title", carousel(card(" ")), .missingTitle, "carousel.elements[0].title"),
    FormatCase("second card without title", carousel(card(), card(nil)), .missingTitle, "carousel.elements[1].title"),
    FormatCase("title of 80", carousel(card(String(repeating: "t", count: 80))), nil),
    FormatCase(
        "title of 81", carousel(card(String(repeating: "t", count: 81))), .titleTooLong,
        "carousel.elements[0].title"),
    FormatCase("subtitle of 80", carousel(card(subtitle: String(repeating: "s", count: 80))), nil),
    FormatCase(
        "subtitle of 81", carousel(card(subtitle: String(repeating: "s", count: 81))), .subtitleTooLong,
        "carousel.elements[0].subtitle"),
    FormatCase("title only", carousel(card(subtitle: nil, imageURL: nil)), .noImageOrButton, "carousel.elements[0]"),
    FormatCase(
        "title and subtitle, no image, no button", carousel(card(imageURL: nil)), .noImageOrButton,
        "carousel.elements[0]"),
    FormatCase(
        "title and blank subtitle", carousel(card(subtitle: " ", imageURL: "")), .noImageOrButton,
        "carousel.elements[0]"),
    FormatCase(
        "second card without image or button", carousel(card(), card(imageURL: " ")), .noImageOrButton,
        "carousel.elements[1]"),
    FormatCase(
        "card with bad image_url", carousel(card(imageURL: "image.png")), .invalidURL,
        "carousel.elements[0].image_url"),
    FormatCase("three buttons", carousel(card(buttons: [ok, ok, ok])), nil),
    FormatCase(
        "four buttons", carousel(card(buttons: [ok, ok, ok, ok])), .tooManyButtons, "carousel.elements[0].buttons"),
    FormatCase(
        "button without type", carousel(card(buttons: [Button(type: nil, title: "t", payload: "p")])),
        .unknownButtonType, "carousel.elements[0].buttons[0].type"),
    FormatCase(
        "phone_number button", carousel(card(buttons: [ok, Button(type: "phone_number", title: "t", payload: "+1")])),
        .unknownButtonType, "carousel.elements[0].buttons[1].type"),
    FormatCase(
        "web_url button without title",
        carousel(card(buttons: [Button(type: "web_url", title: nil, url: "https://a.example")])),
        .buttonMissingTitle, "carousel.elements[0].buttons[0].title"),
    FormatCase(
        "postback button with blank title", carousel(card(buttons: [.postback(title: " ", payload: "p")])),
        .buttonMissingTitle, "carousel.elements[0].buttons[0].title"),
    FormatCase(
        "web_url button without url", carousel(card(buttons: [Button(type: "web_url", title: "t", payload: "p")])),
        .missingURL, "carousel.elements[0].buttons[0].url"),
    FormatCase(
        "web_url button with mailto url", carousel(card(buttons: [.webURL(title: "t", url: "mailto:a@b.example")])),
        .invalidURL, "carousel.elements[0].buttons[0].url"),
    FormatCase(
        "postback button without payload",
        carousel(card(buttons: [Button(type: "postback", title: "t", url: "https://a.example")])),
        .buttonMissingPayload, "carousel.elements[0].buttons[0].payload"),
    FormatCase(
        "postback button with empty payload", carousel(card(buttons: [.postback(title: "t", payload: "")])),
        .buttonMissingPayload, "carousel.elements[0].buttons[0].payload"),
    FormatCase(
        "broken button in the second card", carousel(card(), card(buttons: [ok, .webURL(title: "t", url: "")])),
        .missingURL, "carousel.elements[1].buttons[1].url"),
]

@Suite("Outbound content: Messenger's format rules")
struct OutboundFormatTests {
    @Test("each rule", arguments: formatCases)
    func rule(_ row: FormatCase) {
        let violation = row.content.formatViolation()
        #expect(violation?.rule == row.rule)
        #expect(violation?.field == row.field)
        if let violation {
            #expect(violation.reason == .invalidFormat)
            // The detail starts with the field or the object it belongs to.
            let subject = violation.detail.prefix { $0 != " " }
            #expect(!subject.isEmpty && violation.field.hasPrefix(subject))
        }
    }

    @Test("every rule is exercised")
    func everyRule() {
        let exercised = Set(formatCases.compactMap(\.rule))
        let all: Set<FormatViolation.Rule> = [
            .emptyText, .textTooLong, .missingURL, .invalidURL, .noElements, .tooManyElements, .missingTitle,
            .titleTooLong, .subtitleTooLong, .noImageOrButton, .tooManyButtons, .unknownButtonType, .buttonMissingTitle,
            .buttonMissingPayload,
        ]
        #expect(exercised == all)
    }

    @Test("details are precise and do not quote the content")
    func details() {
        #expect(OutboundContent.text("").formatViolation()?.detail == "text is empty")
        #expect(OutboundContent.text("  ").formatViolation()?.detail == "text is only whitespace")
        #expect(
            OutboundContent.text(String(repeating: "x", count: 2001)).formatViolation()?.detail
                == "text is 2001 characters; Messenger allows at most 2000")
        #expect(OutboundContent.image(.init(url: nil)).formatViolation()?.detail == "image has no url")
        #expect(
            carousel(card(imageURL: nil)).formatViolation()?.detail
                == "carousel.elements[0] has no image_url and no button; it needs one")
        #expect(
            OutboundContent.carousel(.init(elements: Array(repeating: card(), count: 12))).formatViolation()?.detail
                == "carousel has 12 elements; Messenger allows at most 10")
        let secret = "https://secret.example/private"
        #expect(
            OutboundContent.image(.init(url: "ftp" + secret.dropFirst(5))).formatViolation()?.detail.contains("secret")
                == false)
    }

    @Test("character counting is by Unicode scalars")
    func counting() {
        #expect(OutboundContent.characterCount(family) == 7)
        #expect(OutboundContent.characterCount("é") == 1)
        #expect(OutboundContent.characterCount("e\u{301}") == 2)
        #expect(OutboundContent.characterCount("😀") == 1)
    }
}

@Suite("Outbound content: attachment sizes")
struct OutboundSizeTests {
    static let mb = 1 << 20

    @Test("limits")
    func limits() {
        #expect(OutboundContent.maxAttachmentBytes == 26_214_400)
        #expect(OutboundContent.maxImageBytes == 8_388_608)
    }

    @Test(
        "declared and measured sizes",
        arguments: [
            (OutboundContent.file(.init(url: "https://a.example/f", sizeBytes: 25 * mb)), Int?.none, Int?.none),
            (.file(.init(url: "https://a.example/f", sizeBytes: 25 * mb + 1)), nil, 25 * mb),
            (.file(.init(url: "https://a.example/f", sizeBytes: 30 * mb)), 1, 25 * mb),
            (.file(.init(url: "https://a.example/f")), nil, nil),
            (.file(.init(url: "https://a.example/f")), 25 * mb, nil),
            (.file(.init(url: "https://a.example/f")), 25 * mb + 1, 25 * mb),
            (.file(.init(url: "https://a.example/f", sizeBytes: 10)), 26 * mb, 25 * mb),
            (.image(.init(url: "https://a.example/i")), 8 * mb, nil),
            (.image(.init(url: "https://a.example/i")), 8 * mb + 1, 8 * mb),
            (.text("hi"), 100 * mb, nil),
            (carousel(card()), 100 * mb, nil),
        ] as [(OutboundContent, Int?, Int?)])
    func size(content: OutboundContent, measured: Int?, limit: Int?) {
        let violation = content.sizeViolation(measuredBytes: measured)
        #expect(violation?.limit == limit)
        if let violation {
            #expect(violation.reason == .fileTooLarge)
            #expect(violation.bytes > violation.limit)
            #expect(violation.detail.contains(String(violation.bytes)))
            #expect(violation.detail.contains("\(violation.limit >> 20) MB"))
        }
    }

    @Test("a declared size over the limit is named as such")
    func declaredDetail() {
        #expect(
            OutboundContent.file(.init(url: "https://a.example/f", sizeBytes: 26_214_401)).sizeViolation()?.detail
                == "file.size_bytes is 26214401 bytes; Messenger takes at most 26214400 (25 MB)")
    }
}

@Suite("Outbound content: URLs for the blocked-URL feature")
struct OutboundURLTests {
    @Test(
        "links in text",
        arguments: [
            ("see https://a.example/x, and http://b.example/y.", ["https://a.example/x", "http://b.example/y"]),
            ("(see https://a.example/x)", ["https://a.example/x"]),
            ("https://en.wikipedia.org/wiki/Swift_(language)!", ["https://en.wikipedia.org/wiki/Swift_(language)"]),
            ("<https://a.example/x> \"http://b.example\"", ["https://a.example/x", "http://b.example"]),
            ("HTTPS://UP.EXAMPLE/Path?q=1&r=2#f", ["HTTPS://UP.EXAMPLE/Path?q=1&r=2#f"]),
            ("nohttps://x.example and 1http://y.example", []),
            ("http:// alone, ftp://x.example, www.example.com", []),
            ("https://a.example/x https://a.example/x", ["https://a.example/x"]),
            ("line\nhttps://a.example/é\tnext", ["https://a.example/é"]),
            ("", []),
        ] as [(String, [String])])
    func textLinks(text: String, expected: [String]) {
        #expect(OutboundContent.text(text).urls == expected)
    }

    @Test("attachments and carousels")
    func others() {
        #expect(OutboundContent.image(.init(url: "https://a.example/i.png")).urls == ["https://a.example/i.png"])
        #expect(OutboundContent.image(.init(url: nil)).urls == [])
        #expect(OutboundContent.file(.init(url: "https://a.example/f.pdf")).urls == ["https://a.example/f.pdf"])
        let content = carousel(
            card(
                "Read https://t.example/1", subtitle: "or http://s.example/2", imageURL: "https://i.example/3.png",
                buttons: [
                    .webURL(title: "Open", url: "https://w.example/4"),
                    .postback(title: "Yes", payload: "https://not-shown.example"),
                ]),
            card(
                "B", imageURL: "https://i.example/3.png", buttons: [.webURL(title: "Again", url: "https://w.example/5")]
            ))
        #expect(
            content.urls == [
                "https://t.example/1", "http://s.example/2", "https://i.example/3.png", "https://w.example/4",
                "https://w.example/5",
            ])
    }

    @Test("URL fields: what gets fetched, with its path, not links in text nor postback payloads")
    func urlFields() {
        #expect(OutboundContent.text("see http://127.0.0.1/").urlFields.isEmpty)
        #expect(OutboundContent.image(.init(url: "http://a/i.png")).urlFields.map(\.field) == ["image.url"])
        #expect(OutboundContent.image(.init(url: "  ")).urlFields.isEmpty)
        #expect(
            OutboundContent.file(.init(url: "http://a/f.pdf", sizeBytes: 3)).urlFields.map(\.url) == ["http://a/f.pdf"])
        let content = carousel(
            card(
                "Read https://t.example/1", imageURL: "https://i.example/3.png",
                buttons: [
                    .postback(title: "Yes", payload: "https://not-fetched.example"),
                    .webURL(title: "Open", url: "https://w.example/4"),
                ]),
            card("B", imageURL: nil, buttons: [.webURL(title: "Again", url: "https://w.example/5")]))
        #expect(
            content.urlFields.map(\.field) == [
                "carousel.elements[0].image_url", "carousel.elements[0].buttons[1].url",
                "carousel.elements[1].buttons[0].url",
            ])
        #expect(
            content.urlFields.map(\.url) == ["https://i.example/3.png", "https://w.example/4", "https://w.example/5"])
    }
}

@Suite("Graph Send API request")
struct GraphSendRequestTests {
    @Test("URL with token percent-encoded and appsecret_proof (vector from openssl dgst -sha256 -hmac)")
    func url() {
        let url = GraphSendRequest.url(
            graphBaseURL: "https://graph.facebook.com", version: "v25.0", accessToken: "EAAG+tok/en=1",
            appSecret: Array("app-secret-123".utf8))
        #expect(
            url == "https://graph.facebook.com/v25.0/me/messages?access_token=EAAG%2Btok%2Fen%3D1"
                + "&appsecret_proof=3048cbb26d057cc9ee938ae3d2ac832284095eec134194da26e594a20a879a12")
    }

    @Test("without an app secret there is no proof; slashes are normalised")
    func urlWithoutProof() {
        #expect(
            GraphSendRequest.url(
                graphBaseURL: "http://127.0.0.1:9000/", version: "/v26.0/", accessToken: "a b&c",
                appSecret: nil)
                == "http://127.0.0.1:9000/v26.0/me/messages?access_token=a%20b%26c")
    }

    @Test("appsecret_proof is HMAC-SHA256 in lowercase hex (RFC 4231 test case 2)")
    func proof() {
        #expect(
            GraphSendRequest.appSecretProof(accessToken: "what do ya want for nothing?", appSecret: Array("Jefe".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("text body, byte for byte")
    func textBytes() {
        let body = GraphSendRequest.body(
            recipientPSID: "6543210987654321", content: .text("Héllo https://a.example/x"), metadata: "herald:42",
            messagingType: .response)
        #expect(
            String(decoding: body, as: UTF8.self)
                == #"{"message":{"metadata":"herald:42","text":"Héllo https://a.example/x"},"messaging_type":"RESPONSE","recipient":{"id":"6543210987654321"}}"#
        )
    }

    @Test(
        "body for each kind",
        arguments: [
            (
                OutboundContent.text("hi"), MessagingType.humanAgent,
                #"{"recipient":{"id":"P1"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"hi","metadata":"herald:1"}}"#
            ),
            (
                .image(.init(url: "https://a.example/i.png")), .response,
                #"{"recipient":{"id":"P1"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"image","payload":{"url":"https://a.example/i.png","is_reusable":true}},"metadata":"herald:1"}}"#
            ),
            (
                .file(.init(url: "https://a.example/f.pdf", sizeBytes: 12)), .response,
                #"{"recipient":{"id":"P1"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"file","payload":{"url":"https://a.example/f.pdf","is_reusable":true}},"metadata":"herald:1"}}"#
            ),
            (
                carousel(
                    card(
                        "A", subtitle: "a", imageURL: "https://a.example/a.png",
                        buttons: [
                            .webURL(title: "Open", url: "https://a.example"),
                            Button(type: "postback", title: "Yes", url: "https://dropped.example", payload: "YES"),
                        ]),
                    card("B", subtitle: " ", imageURL: "https://a.example/b.png")),
                .messageTag(tag: "HUMAN_AGENT"),
                #"{"recipient":{"id":"P1"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"metadata":"herald:1","attachment":{"type":"template","payload":{"template_type":"generic","elements":[{"title":"A","subtitle":"a","image_url":"https://a.example/a.png","buttons":[{"type":"web_url","title":"Open","url":"https://a.example"},{"type":"postback","title":"Yes","payload":"YES"}]},{"title":"B","image_url":"https://a.example/b.png"}]}}}}"#
            ),
        ] as [(OutboundContent, MessagingType, String)])
    func kinds(content: OutboundContent, type: MessagingType, expected: String) throws {
        let body = GraphSendRequest.body(
            recipientPSID: "P1", content: content, metadata: "herald:1", messagingType: type)
        #expect(try canonical(body) == canonical(expected))
        // Keys are sorted and slashes are not escaped.
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"message":"#))
        #expect(!text.contains(#"\/"#))
    }
}
