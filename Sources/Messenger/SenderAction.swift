import Foundation

/// A Send API sender action: what the customer sees of a supporter without a message (the
/// conversation marked seen, the typing bubble). Only inside the 24-hour window; Graph answers
/// `{"recipient_id": …}` with no `message_id`, and typing switches itself off after about 20 s or
/// when a message is sent.
public enum SenderAction: String, Sendable, Hashable, CaseIterable {
    case markSeen = "mark_seen"
    case typingOn = "typing_on"
    case typingOff = "typing_off"

    /// `{"recipient": {"id": psid}, "sender_action": …}`, keys sorted; posted to the same URL as a
    /// send (`GraphSendRequest.url`).
    public func body(recipientPSID: String) -> [UInt8] {
        // Only strings: encoding cannot fail.
        Array(try! Self.encoder.encode(Wire(recipient: .init(id: recipientPSID), senderAction: rawValue)))
    }

    /// Graph's answer to a sender action: nil when it was taken (any 2xx without an error object),
    /// else the failure as a send's answer would classify it.
    public static func failure(httpStatus: Int, body: [UInt8], headers: [(String, String)]) -> GraphFailure? {
        let root = GraphJSON.parse(body) as? [String: Any]
        if (200...299).contains(httpStatus), root?["error"] == nil { return nil }
        if case .failed(let failure) = GraphResponse.classify(httpStatus: httpStatus, body: body, headers: headers) {
            return failure
        }
        return nil
    }

    private struct Wire: Encodable {
        struct Recipient: Encodable { var id: String }
        var recipient: Recipient
        var senderAction: String

        enum CodingKeys: String, CodingKey {
            case recipient
            case senderAction = "sender_action"
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
