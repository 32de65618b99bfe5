import Curl
import HeraldCore
import Messenger

/// ``SenderActionSender``: `POST {graph}/{version}/me/messages` with a
/// `sender_action` body, on the client's own threads, so the caller (an HTTP handler) only
/// suspends.
extension GraphHTTPClient: SenderActionSender {
    public func send(_ action: SenderAction, psid: String, accessToken: String) async -> SenderActionResult {
        let url = GraphSendRequest.url(
            graphBaseURL: graphBaseURL, version: version, accessToken: accessToken, appSecret: appSecret)
        do {
            let response = try await client.execute(.json(.post, url: url, body: action.body(recipientPSID: psid)))
            let failure = SenderAction.failure(
                httpStatus: response.status, body: response.body, headers: response.headers.map { ($0.name, $0.value) })
            return failure.map(SenderActionResult.refused) ?? .taken
        } catch {
            // CurlError descriptions name the host, never the URL's query (which holds the token).
            return .refused(GraphResponse.networkFailure(description: "\(error)", isTimeout: error.isTimeout))
        }
    }
}
