import Curl
import HeraldCore
import Messenger

/// ``PageTokenChecker``: `GET {graph}/{version}/me` on the client's own threads, so
/// the caller (an HTTP handler) only suspends.
extension GraphHTTPClient: PageTokenChecker {
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
