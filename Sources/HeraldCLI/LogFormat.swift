/// `HERALD_LOG_FORMAT`: how log entries are written to standard error. Text reads well in a
/// terminal; JSON is for log collectors, which would otherwise have to parse metadata back out of
/// `key=value` text.
enum LogFormat: String, Sendable {
    /// swift-log's `StreamLogHandler`: `time level label: [metadata] message`.
    case text
    /// `JSONLogHandler`: one JSON object per line.
    case json
}
