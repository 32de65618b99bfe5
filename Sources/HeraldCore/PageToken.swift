import Messenger

/// How a page's access token is stored in `pages.access_token`: sealed with `HERALD_TOKEN_KEY`
/// (AES-GCM) when a key is configured, else its UTF-8 bytes.
enum PageToken {
    /// The bytes to store and whether they are sealed.
    static func stored(_ token: String, key: [UInt8]?) throws -> (bytes: [UInt8], encrypted: Bool) {
        guard let key else { return (Array(token.utf8), false) }
        return (try SealedToken.seal(token, key: key), true)
    }

    /// The token from stored bytes; nil when it is sealed and there is no key, or the key does not open it.
    static func open(_ bytes: [UInt8], encrypted: Bool, key: [UInt8]?) -> String? {
        guard encrypted else { return String(decoding: bytes, as: UTF8.self) }
        guard let key else { return nil }
        return try? SealedToken.open(bytes, key: key)
    }
}
