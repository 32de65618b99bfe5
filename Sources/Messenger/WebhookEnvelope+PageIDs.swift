import Foundation

extension WebhookEnvelope {
    /// The page ids of a stored body's entries (`entry[].id`), each once, in body order; `[]` when
    /// the body is not JSON, not an object or has no `entry` array.
    ///
    /// For operators looking at dead letters (`GET /admin/webhook-events`) and for retrying one
    /// page's events: it reads only the ids, with the same identifier rule as `decode` (a string,
    /// or a JSON integer), so it says which page a body was for even when its events are
    /// unreadable or its `object` is not `page`.
    public static func pageIDs(in body: [UInt8]) -> [String] {
        guard
            let root = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
                as? [String: Any],
            let entries = root["entry"] as? [Any]
        else { return [] }
        var seen: Set<String> = []
        var ids: [String] = []
        for entry in entries {
            guard let id = WebhookJSON.identifier(WebhookJSON.object(entry)?["id"]), seen.insert(id).inserted else {
                continue
            }
            ids.append(id)
        }
        return ids
    }
}
