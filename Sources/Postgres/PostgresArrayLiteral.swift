import Foundation

/// Array parameters in Postgres's text form (`{"a","b"}`), cast in SQL (`$1::text[]`), so a
/// batch of ids or kinds is one parameter of one statement.
public enum PostgresArrayLiteral {
    /// Every element quoted, with `"` and `\` escaped, so any string round-trips.
    public static func text(_ values: [String]) -> String {
        let elements = values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }
        return "{" + elements.joined(separator: ",") + "}"
    }

    public static func int8(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
