extension GraphResponse {
    /// How long Graph asks callers to wait, read tolerantly from the answer's headers (names in any
    /// case; unreadable values ignored):
    /// - `X-Business-Use-Case-Usage`: `{"<business id>": [{"type": "messenger", …,
    ///   "estimated_time_to_regain_access": <minutes>}]}`; the largest value anywhere in it counts.
    /// - `Retry-After` in seconds (proxies and load balancers send it).
    ///
    /// The longer of the two wins; zero means "no wait" and reads as nil.
    public static func retryAfter(headers: [(String, String)]) -> Duration? {
        var minutes: Double?
        var seconds: Double?
        for (name, value) in headers {
            switch name.lowercased() {
            case "x-business-use-case-usage":
                if let found = largestRegainTime(in: GraphJSON.parse(Array(value.utf8))) {
                    minutes = max(minutes ?? 0, found)
                }
            case "retry-after":
                if let found = GraphJSON.nonNegativeNumber(value) {
                    seconds = max(seconds ?? 0, found)
                }
            default:
                continue
            }
        }
        let total = max((minutes ?? 0) * 60, seconds ?? 0)
        guard total > 0, total < 366 * 24 * 3600 else { return nil }
        return .seconds(Int64(total.rounded(.up)))
    }

    /// The largest `estimated_time_to_regain_access` in a parsed usage header, at any depth.
    private static func largestRegainTime(in json: Any?) -> Double? {
        if let object = json as? [String: Any] {
            var best = GraphJSON.nonNegativeNumber(object["estimated_time_to_regain_access"])
            for (key, value) in object where key != "estimated_time_to_regain_access" {
                if let found = largestRegainTime(in: value) { best = max(best ?? 0, found) }
            }
            return best
        }
        if let array = json as? [Any] {
            return array.compactMap(largestRegainTime(in:)).max()
        }
        return nil
    }
}
