import Foundation
import Messenger

/// The parts of a Send API body that `fake-graph` looks at, checked the way Graph checks them.
struct SendRequest: Sendable {
    var recipient: String
    var messagingType: String?
    var tag: String?
    var senderAction: String?
    var text: String?
    var metadata: String?
    var attachmentType: String?
    /// `message.attachment.payload.url`, when present.
    var attachmentURL: String?
    /// Every string inside `message.attachment.payload` (template URLs, titles, …).
    var payloadStrings: [String]

    /// What the scenario table sees of this send.
    func scenarioInput(accessToken: String?, allowedURLs: [String] = []) -> FakeGraphScenario.Input {
        FakeGraphScenario.Input(
            accessToken: accessToken, recipient: recipient, content: (text.map { [$0] } ?? []) + payloadStrings,
            attachmentURLs: attachmentURL.map { [$0] } ?? [], allowedURLs: allowedURLs)
    }

    /// What could be read before a failure, so that rejected sends are recorded too.
    struct Partial: Sendable {
        var recipient: String?
        var messagingType: String?
        var tag: String?
    }

    /// Parses `body`, or names the code-100 error Graph gives for it.
    static func parse(_ body: [UInt8]) -> Result<SendRequest, Rejection> {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(body)) else {
            return .failure(Rejection(failure: .malformedBody, partial: Partial()))
        }
        let partial = Partial(recipient: wire.recipient?.id, messagingType: wire.messagingType, tag: wire.tag)
        func reject(_ failure: FakeGraphFailure) -> Result<SendRequest, Rejection> {
            .failure(Rejection(failure: failure, partial: partial))
        }
        guard let recipient = wire.recipient?.id, !recipient.isEmpty else { return reject(.missingRecipient) }
        let message = wire.message
        if message == nil && wire.senderAction == nil { return reject(.missingMessage) }
        if let message {
            if message.text == nil && message.attachment == nil { return reject(.emptyMessage) }
            // Graph counts characters, not bytes: code points, as Herald assumes
            // (OutboundContent.characterCount), not graphemes.
            if let text = message.text, text.unicodeScalars.count > 2000 { return reject(.textTooLong) }
            if let metadata = message.metadata, metadata.unicodeScalars.count > 1000 { return reject(.metadataTooLong) }
        }
        let payload = message?.attachment?.payload
        return .success(
            SendRequest(
                recipient: recipient, messagingType: wire.messagingType, tag: wire.tag,
                senderAction: wire.senderAction, text: message?.text, metadata: message?.metadata,
                attachmentType: message?.attachment?.type, attachmentURL: payload?["url"]?.stringValue,
                payloadStrings: payload?.allStrings ?? []))
    }

    /// A body Graph refuses, with what was readable of it.
    struct Rejection: Error {
        var failure: FakeGraphFailure
        var partial: Partial
    }

    // The wire shape; unknown keys are ignored as Graph ignores them.
    private struct Wire: Decodable {
        struct Recipient: Decodable { var id: String? }
        struct Message: Decodable {
            var text: String?
            var attachment: Attachment?
            var metadata: String?
        }
        struct Attachment: Decodable {
            var type: String?
            var payload: JSONValue?
        }
        var recipient: Recipient?
        var messagingType: String?
        var tag: String?
        var message: Message?
        var senderAction: String?

        enum CodingKeys: String, CodingKey {
            case recipient, tag, message
            case messagingType = "messaging_type"
            case senderAction = "sender_action"
        }
    }
}
