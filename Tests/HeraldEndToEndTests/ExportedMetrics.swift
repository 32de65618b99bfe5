/// Metric names and types from Prometheus text exposition.
struct ExportedMetrics {
    private(set) var names: Set<String> = []
    private(set) var types: [String: String] = [:]

    mutating func read(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count >= 4 { types[String(parts[2])] = String(parts[3]) }
            } else if !line.hasPrefix("#"), let name = line.split(whereSeparator: { $0 == "{" || $0 == " " }).first {
                names.insert(String(name))
            }
        }
    }

    /// Exported as is, or the `_bucket`/`_sum`/`_count` series of an exported histogram or summary.
    func contains(_ name: String) -> Bool {
        if names.contains(name) || types[name] != nil { return true }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if ["histogram", "summary"].contains(types[base]) { return true }
        }
        return false
    }
}
