import Foundation

/// `GET /v1/pages/{page_id}/customers?q=`: a name, matched anywhere in the customer's name
/// ignoring case and diacritics (`nguyen` and `NGUYỄN` find `Nguyễn Văn An`, `dang` finds `Đặng`),
/// or, when it is all digits, a PSID prefix (PSIDs are digits). Folding happens in Postgres
/// (`herald_search_fold`: `lower(unaccent(…))`, sql/0011), the same function a trigger stores
/// `customers.name_search` with (trigram index `customers_name_search`), so the query and the
/// stored names always agree.
public struct CustomerSearch: Sendable, Hashable {
    /// The query, trimmed, with runs of whitespace made single spaces.
    public let text: String

    /// Longest query accepted (longer ones are cut): a name is never longer.
    public static let maxLength = 200

    /// Nil for a blank query (the unfiltered list).
    public init?(_ query: String) {
        let words = query.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        let text = String(words.joined(separator: " ").prefix(Self.maxLength))
        guard !text.isEmpty else { return nil }
        self.text = text
    }

    /// All ASCII digits: a PSID prefix.
    public var isPSIDPrefix: Bool { text.utf8.allSatisfy { (0x30...0x39).contains($0) } }

    /// The query as a `LIKE` operand: `\`, `%` and `_` stand for themselves.
    var likeEscaped: String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The first digit string after every PSID starting with `text`: `"129"` → `"13"`, nil for
    /// all nines (no bound). Digit strings order the same in every collation, so
    /// `psid >= text AND psid < upperBound` is the prefix, served by the primary key.
    var psidUpperBound: String? {
        var digits = Array(text.utf8)
        while let last = digits.last {
            if last < 0x39 {
                digits[digits.count - 1] = last + 1
                return String(decoding: digits, as: UTF8.self)
            }
            digits.removeLast()
        }
        return nil
    }

    /// The `WHERE` condition over `customers c`, its parameters numbered from `first`.
    func condition(first: Int) -> (sql: String, parameters: [String?]) {
        if isPSIDPrefix {
            return (
                "c.psid >= $\(first) AND ($\(first + 1)::text IS NULL OR c.psid < $\(first + 1))",
                [text, psidUpperBound]
            )
        }
        return (
            "c.name_search IS NOT NULL AND c.name_search LIKE '%' || herald_search_fold($\(first)) || '%'",
            [likeEscaped]
        )
    }
}
