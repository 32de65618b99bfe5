import Curl
import HeraldCore
import Messenger

/// ``PageTokenChecker`` over libcurl: `GET {graph}/{version}/me` on the client's own threads, so
/// the caller (an HTTP handler) only suspends.
public struct GraphPageTokenChecker: PageTokenChecker {
    let graphBaseURL: String
    let version: String
    let appSecret: [UInt8]?
    let client: HTTPClient

    public init(graphBaseURL: String, version: String, appSecret: [UInt8]?, client: HTTPClient) {
        self.graphBaseURL = graphBaseURL
        self.version = version
        self.appSecret = appSecret
        self.client = client
    }

    public func check(accessToken: String) async -> GraphTokenCheck.Verdict {
        let url = GraphTokenCheck.url(
            graphBaseURL: graphBaseURL, version: version, accessToken: accessToken, appSecret: appSecret)
        do {
            let response = try await client.execute(HTTPRequest(method: .get, url: url))
            return GraphTokenCheck.verdict(httpStatus: response.status, body: response.body)
        } catch {
            // CurlError descriptions name the host, never the URL's query (which holds the token).
            return GraphTokenCheck.unreachable(description: "\(error)", isTimeout: error.isTimeout)
        }
    }
}
