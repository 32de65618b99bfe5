import Foundation
import HeraldCore
import Logging

/// `HERALD_LOG_FORMAT=json`: every entry as one JSON object on one line of standard error, so a
/// log collector reads the fields instead of parsing `key=value` text back out.
///
/// `time` (RFC 3339, UTC, milliseconds), `level`, `label` and `message` come first, then the
/// metadata as top-level fields: nested dictionaries and arrays stay JSON objects and arrays, and
/// everything else is its text, exactly what the text format prints. No redaction of its own:
/// secrets are kept out of log values where they are made (`CurlError` drops URL queries,
/// `PostgresError` leaves out parameters, settings are never echoed), so both formats carry the
/// same, already-safe values. A metadata key that would overwrite one of the four fields is
/// written as `metadata.<key>` instead.
struct JSONLogHandler: LogHandler {
    /// The four fields every line has, in this order.
    static let fixedKeys: Set<String> = ["time", "level", "label", "message"]

    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        // The same precedence as StreamLogHandler: handler, then provider, then the statement.
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        StandardErrorLines.write(Self.line(event, label: label, metadata: merged, time: Date()))
    }

    /// One entry as a JSON object followed by a newline.
    static func line(_ event: LogEvent, label: String, metadata: Logger.Metadata, time: Date) -> String {
        var line = "{"
        JSONLogEncoding.appendField("time", .string(RFC3339.string(from: time)), to: &line, first: true)
        JSONLogEncoding.appendField("level", .string(event.level.rawValue), to: &line)
        JSONLogEncoding.appendField("label", .string(label), to: &line)
        JSONLogEncoding.appendField("message", .string(event.message.description), to: &line)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            JSONLogEncoding.appendField(fixedKeys.contains(key) ? "metadata.\(key)" : key, value, to: &line)
        }
        line += "}\n"
        return line
    }
}
