import Messenger
import TestSupport
import Testing

@Suite("X-Hub-Signature-256 verification")
struct WebhookSignatureTests {
    /// Throws (failing the tests that use it) rather than yielding no cases when the files are missing.
    static func fixtures() throws -> [(name: String, signature: String)] { try WebhookFixtures.signatures() }

    @Test(
        "every fixture verifies with its vector, and fails when any single byte changes",
        arguments: try fixtures().map(\.name))
    func fixture(name: String) throws {
        let signature = WebhookSignature(appSecret: Array(try WebhookFixtures.appSecret.utf8))
        let body = try WebhookFixtures.body(name)
        let header = try #require(Self.fixtures().first { $0.name == name }?.signature)
        try signature.verify(header: header, body: body)
        #expect(signature.headerValue(for: body) == header)
        // Flip bytes at the start, the middle and the end.
        for index in [0, body.count / 2, body.count - 1] {
            var tampered = body
            tampered[index] ^= 0x01
            #expect(throws: WebhookSignature.Failure.mismatch) { try signature.verify(header: header, body: tampered) }
        }
    }

    @Test("a verifier keyed once checks many bodies, each on its own", arguments: [try fixtures().map(\.name)])
    func keyedVerifier(names: [String]) throws {
        let verifier = WebhookSignature(appSecret: Array(try WebhookFixtures.appSecret.utf8)).verifier()
        let other = WebhookSignature(appSecret: Array("another secret".utf8)).verifier()
        for name in names {
            let body = try WebhookFixtures.body(name)
            let expected = try WebhookSignature.parse(
                try #require(Self.fixtures().first { $0.name == name }?.signature))
            // Twice: a use must not leave state behind for the next.
            try verifier.verify(expected: expected, body: body)
            try verifier.verify(expected: expected, body: body)
            var tampered = body
            tampered[body.count / 2] ^= 0x01
            #expect(throws: WebhookSignature.Failure.mismatch) {
                try verifier.verify(expected: expected, body: tampered)
            }
            #expect(throws: WebhookSignature.Failure.mismatch) { try other.verify(expected: expected, body: body) }
        }
    }

    @Test("the fixtures are all there")
    func fixturesPresent() throws {
        #expect(try Self.fixtures().count >= 11)
    }

    @Test(
        "missing, malformed and wrong-prefix headers are refused before any HMAC",
        arguments: [
            (nil, WebhookSignature.Failure.missing),
            ("sha1=" + String(repeating: "a", count: 40), .malformed),
            ("sha256=" + String(repeating: "a", count: 63), .malformed),
            ("sha256=" + String(repeating: "g", count: 64), .malformed),
            ("SHA256=" + String(repeating: "a", count: 64), .malformed),
            ("sha256=" + String(repeating: "a", count: 64), .mismatch),
        ] as [(String?, WebhookSignature.Failure)])
    func badHeaders(header: String?, failure: WebhookSignature.Failure) {
        let signature = WebhookSignature(appSecret: Array("secret".utf8))
        #expect(throws: failure) { try signature.verify(header: header, body: Array("{}".utf8)) }
    }

    @Test("uppercase hex is accepted (the HMAC is what matters, not the case)")
    func uppercase() throws {
        let signature = WebhookSignature(appSecret: Array("secret".utf8))
        let body = Array(#"{"object":"page"}"#.utf8)
        try signature.verify(header: "sha256=" + signature.headerValue(for: body).dropFirst(7).uppercased(), body: body)
    }
}

@Suite("GET /webhook handshake parsing")
struct VerificationHandshakeTests {
    @Test("the right mode and token give the challenge back")
    func accepted() {
        let handshake = VerificationHandshake(
            rawQuery: "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my%20token%2B1")
        #expect(handshake.verifyToken == "my token+1")
        #expect(handshake.challenge(expectedToken: "my token+1") == "1158201444")
    }

    @Test(
        "a wrong token, another mode, or a missing field gives nothing",
        arguments: [
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
            "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=right",
            "hub.mode=subscribe&hub.verify_token=right",
            "hub.challenge=1&hub.verify_token=right",
            "",
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=righ",
        ])
    func refused(query: String) {
        #expect(VerificationHandshake(rawQuery: query).challenge(expectedToken: "right") == nil)
    }
}
