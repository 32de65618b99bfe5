/// One `entry[]` item: a page and the events it received.
public struct WebhookEntry: Sendable, Equatable {
    /// The page id (`entry[].id`).
    public var pageID: String
    /// When Meta sent the batch, in milliseconds since the epoch, if present.
    public var time: Int64?
    /// The readable `messaging[]` events, then the `standby[]` ones, each in body order.
    public var events: [MessagingEvent]

    public init(pageID: String, time: Int64?, events: [MessagingEvent]) {
        self.pageID = pageID
        self.time = time
        self.events = events
    }

    /// The two arrays that carry events; `standby` holds threads owned by another app (handover).
    private static let eventLists = [("messaging", false), ("standby", true)]

    /// Reads one entry, appending a line to `problems` for each part that cannot be read.
    ///
    /// Returns nil (with a problem) when the entry is not an object or has no id: without the page
    /// id its events cannot be attributed, so they are skipped rather than filed under "".
    static func decode(_ value: Any, index: Int, problems: inout [String]) -> WebhookEntry? {
        let place = "entry \(index)"
        guard let entry = WebhookJSON.object(value) else {
            problems.append("\(place): not an object")
            return nil
        }
        guard let pageID = WebhookJSON.identifier(entry["id"]) else {
            let skipped = eventLists.reduce(0) { $0 + ((entry[$1.0] as? [Any])?.count ?? 0) }
            problems.append("\(place): no id, \(skipped) event(s) skipped")
            return nil
        }
        let time = WebhookJSON.milliseconds(entry["time"])
        var events: [MessagingEvent] = []
        for (key, isStandby) in eventLists {
            // An entry without the key simply has no events of that kind.
            guard let listValue = entry[key] else { continue }
            guard let list = listValue as? [Any] else {
                problems.append("\(place): \(key) is not an array")
                continue
            }
            events.reserveCapacity(events.count + list.count)
            for (position, item) in list.enumerated() {
                do {
                    events.append(
                        try MessagingEvent.decode(item, pageID: pageID, isStandby: isStandby, entryTime: time))
                } catch {
                    problems.append("\(place) \(key) \(position): \(error.reason)")
                }
            }
        }
        return WebhookEntry(pageID: pageID, time: time, events: events)
    }
}
