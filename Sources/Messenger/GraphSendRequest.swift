import Crypto
import Foundation

/// How a send is allowed: inside the customer's 24-hour window, or with a message tag after it.
public enum MessagingType: Sendable, Hashable {
    /// `"messaging_type": "RESPONSE"`: a reply inside the 24-hour window.
    case response
    /// `"messaging_type": "MESSAGE_TAG"` with `"tag": tag`.
    case messageTag(tag: String)

    /// `HUMAN_AGENT`: a human-written reply up to 7 days after the customer's last message. Never
    /// for bot messages, and only needed once the 24-hour window has closed.
    public static let humanAgent = MessagingType.messageTag(tag: "HUMAN_AGENT")
}

/// Builds a Send API call: `POST {base}/{version}/me/messages?access_token=…` with a JSON body.
public enum GraphSendRequest {
    /// `{graphBaseURL}/{version}/me/messages?access_token=…&appsecret_proof=…`. The token is
    /// percent-encoded (only unreserved characters stay as they are); `appsecret_proof` is left out
    /// when `appSecret` is nil. Slashes around `graphBaseURL` and `version` are normalised.
    public static func url(graphBaseURL: String, version: String, accessToken: String, appSecret: [UInt8]?) -> String {
        url(
            graphBaseURL: graphBaseURL, version: version, path: "me/messages", accessToken: accessToken,
            appSecret: appSecret)
    }

    /// `{graphBaseURL}/{version}/{path}?access_token=…&appsecret_proof=…`: how every Graph call
    /// Herald makes is addressed and authenticated (`path` is already percent-encoded).
    static func url(graphBaseURL: String, version: String, path: String, accessToken: String, appSecret: [UInt8]?)
        -> String
    {
        var base = Substring(graphBaseURL)
        while base.hasSuffix("/") { base.removeLast() }
        let trimmedVersion = version.split(separator: "/").joined(separator: "/")
        var url = "\(base)/\(trimmedVersion)/\(path)?access_token=\(percentEncode(accessToken))"
        if let appSecret {
            url += "&appsecret_proof=\(appSecretProof(accessToken: accessToken, appSecret: appSecret))"
        }
        return url
    }

    /// Lowercase hex of HMAC-SHA256(key: app secret, message: access token), which Graph requires
    /// when the app has "Require App Secret" on.
    public static func appSecretProof(accessToken: String, appSecret: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(accessToken.utf8), using: SymmetricKey(data: appSecret))
        return code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The JSON body, keys sorted:
    /// `{"message": {…, "metadata": metadata}, "messaging_type": "RESPONSE", "recipient": {"id": psid}}`,
    /// plus `"tag"` for a message tag. The message is `text`, or an `attachment`: image and file as
    /// `{"type": "image"|"file", "payload": {"url": …, "is_reusable": true}}`, a carousel as
    /// `{"type": "template", "payload": {"template_type": "generic", "elements": […]}}`.
    ///
    /// Send only content without a `formatViolation()`: missing values are left out rather than
    /// invented, so Graph would refuse it, and blank subtitles and image URLs are left out.
    public static func body(
        recipientPSID: String, content: OutboundContent, metadata: String, messagingType: MessagingType
    ) -> [UInt8] {
        let tag: String?
        let type: String
        switch messagingType {
        case .response:
            (type, tag) = ("RESPONSE", nil)
        case .messageTag(let name):
            (type, tag) = ("MESSAGE_TAG", name)
        }
        let body = Wire.Body(
            recipient: .init(id: recipientPSID), messagingType: type, tag: tag,
            message: Wire.Message(content: content, metadata: metadata))
        // Only strings, booleans and nested structs: encoding cannot fail.
        return Array(try! encoder.encode(body))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()

    static func percentEncode(_ text: String) -> String {
        // Page tokens are letters and digits: nothing to encode (the common case, checked cheaply).
        if text.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
        }) {
            return text
        }
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
