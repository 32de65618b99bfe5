import Curl

/// Herald's Graph calls other than sends — the token check, the page subscription and sender
/// actions — over libcurl on the client's own threads, so the caller (an HTTP handler, the
/// `subscribe_page` job) only suspends. One type, since all of them need the same four things.
public struct GraphHTTPClient: Sendable {
    let graphBaseURL: String
    let version: String
    /// Signs every call with `appsecret_proof`; nil leaves it out.
    let appSecret: [UInt8]?
    let client: HTTPClient

    public init(graphBaseURL: String, version: String, appSecret: [UInt8]?, client: HTTPClient) {
        self.graphBaseURL = graphBaseURL
        self.version = version
        self.appSecret = appSecret
        self.client = client
    }
}
