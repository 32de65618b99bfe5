import Foundation
import Yams

/// A JSON value, read from the OpenAPI document (YAML) or from a response body, so that one
/// validator checks both with the same rules.
enum ContractJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ContractJSON])
    case object([String: ContractJSON])

    subscript(key: String) -> ContractJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var array: [ContractJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var object: [String: ContractJSON]? {
        if case .object(let value) = self { return value }
        return nil
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var isNull: Bool { self == .null }

    /// An integer number (JSON has one number type; JSON Schema's `integer` is an integral one).
    var isInteger: Bool {
        guard let number, number.isFinite else { return false }
        return number.rounded() == number
    }

    /// The JSON Schema type names this value has (an integer is also a `number`).
    var typeNames: Set<String> {
        switch self {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .number: isInteger ? ["integer", "number"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }

    /// Compact JSON text (keys sorted), for request bodies and messages.
    var jsonText: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if isInteger, abs(value) < 9e15 { return String(Int64(value)) }
            return String(value)
        case .string(let value): return Self.quoted(value)
        case .array(let values): return "[" + values.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let object):
            let fields = object.sorted { $0.key < $1.key }.map { Self.quoted($0.key) + ":" + $0.value.jsonText }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension ContractJSON: Decodable {
    /// Strict: `true` is a boolean and `1` a number (JSONDecoder will not read one as the other).
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ContractJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ContractJSON].self))
        }
    }

    /// A response body as JSON, or nil when it is not JSON.
    static func parse(_ bytes: [UInt8]) -> ContractJSON? {
        try? JSONDecoder().decode(ContractJSON.self, from: Data(bytes))
    }
}

extension ContractJSON {
    struct YAMLError: Error, CustomStringConvertible {
        var description: String
    }

    /// A YAML document as JSON: mappings with string keys, sequences, and scalars resolved by
    /// YAML 1.1's core tags (a timestamp-looking scalar stays a string, as JSON has no dates).
    static func parseYAML(_ text: String) throws -> ContractJSON {
        guard let node = try Yams.compose(yaml: text) else { throw YAMLError(description: "empty YAML document") }
        return try convert(node, at: "")
    }

    private static func convert(_ node: Node, at path: String) throws -> ContractJSON {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool:
                guard let value = node.bool else {
                    throw YAMLError(description: "\(path): bad boolean \(scalar.string)")
                }
                return .bool(value)
            case .int:
                guard let value = node.int else {
                    throw YAMLError(description: "\(path): bad integer \(scalar.string)")
                }
                return .number(Double(value))
            case .float:
                guard let value = node.float else {
                    throw YAMLError(description: "\(path): bad number \(scalar.string)")
                }
                return .number(value)
            default:
                return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object: [String: ContractJSON] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLError(description: "\(path): a mapping key that is not a scalar")
                }
                let name = keyScalar.string
                guard object[name] == nil else { throw YAMLError(description: "\(path): duplicate key \(name)") }
                object[name] = try convert(value, at: path + "/" + name)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(try sequence.enumerated().map { try convert($0.element, at: "\(path)/\($0.offset)") })
        case .alias:
            throw YAMLError(description: "\(path): YAML aliases are not used in this document")
        }
    }
}

/// The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that docs/openapi.yaml uses:
/// `type` (a name or a list, `"null"` included), `enum`, `const`, `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `oneOf`, `anyOf`, `allOf`, `$ref` to
/// `#/…` (siblings apply too), `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`,
/// `maxItems`, and `format: date-time`. Any other keyword is reported, so nothing in the document
/// looks checked that is not.
struct ContractSchemaValidator {
    let document: ContractJSON

    static let annotations: Set<String> = [
        "description", "title", "default", "example", "examples", "deprecated", "readOnly", "writeOnly", "$comment",
    ]
    static let assertions: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "oneOf", "anyOf", "allOf",
        "$ref", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "format",
    ]
    static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// The value a local `$ref` (`#/components/schemas/Name`) points to.
    func resolve(_ reference: String) -> ContractJSON? {
        guard reference.hasPrefix("#/") else { return nil }
        var value = document
        for raw in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = value[key] else { return nil }
            value = next
        }
        return value
    }

    /// Problems with a schema itself: unknown keywords, bad `type` lists, `$ref`s that resolve to nothing.
    func lint(_ schema: ContractJSON, at path: String) -> [String] {
        guard let object = schema.object else {
            if schema.bool != nil { return [] }
            return ["\(path): a schema must be an object or a boolean"]
        }
        var problems: [String] = []
        for (key, value) in object {
            let here = path + "/" + key
            if key.hasPrefix("x-") || Self.annotations.contains(key) { continue }
            guard Self.assertions.contains(key) else {
                problems.append("\(here): keyword not supported by the contract test's validator")
                continue
            }
            switch key {
            case "$ref":
                if value.string.flatMap(resolve) == nil { problems.append("\(here): does not resolve") }
            case "type":
                let names = value.array ?? [value]
                for name in names where !(name.string.map(Self.typeNames.contains) ?? false) {
                    problems.append("\(here): \(name.jsonText) is not a type name (quote \"null\")")
                }
            case "properties":
                for (name, property) in value.object ?? [:] {
                    problems += lint(property, at: here + "/" + name)
                }
            case "items", "additionalProperties":
                problems += lint(value, at: here)
            case "oneOf", "anyOf", "allOf":
                for (index, member) in (value.array ?? []).enumerated() {
                    problems += lint(member, at: "\(here)/\(index)")
                }
            case "required":
                let names = value.array?.compactMap(\.string) ?? []
                let declared = Set(object["properties"]?.object?.keys.map { $0 } ?? [])
                for name in names where !declared.contains(name) && object["$ref"] == nil {
                    problems.append("\(here): \(name) is required but not among the properties")
                }
            case "format":
                if value.string != "date-time" { problems.append("\(here): only date-time is checked") }
            default:
                break
            }
        }
        return problems
    }

    /// Why `value` does not match `schema`; empty when it does.
    func validate(_ value: ContractJSON, against schema: ContractJSON, at path: String = "$") -> [String] {
        if let allowed = schema.bool { return allowed ? [] : ["\(path): no value is allowed here"] }
        guard let rules = schema.object else { return ["\(path): the schema is not an object"] }
        var errors: [String] = []

        if let reference = rules["$ref"]?.string {
            guard let target = resolve(reference) else { return ["\(path): $ref \(reference) does not resolve"] }
            errors += validate(value, against: target, at: path)
        }
        if let type = rules["type"] {
            let wanted = Set((type.array ?? [type]).compactMap(\.string))
            if wanted.isDisjoint(with: value.typeNames) {
                let names = wanted.sorted().joined(separator: " or ")
                errors.append("\(path): \(Self.describe(value)) is not of type \(names)")
                return errors
            }
        }
        if let options = rules["enum"]?.array, !options.contains(where: { Self.equal($0, value) }) {
            errors.append("\(path): \(value.jsonText) is not one of \(options.map(\.jsonText).joined(separator: ", "))")
        }
        if let constant = rules["const"], !Self.equal(constant, value) {
            errors.append("\(path): \(value.jsonText) is not \(constant.jsonText)")
        }
        if let number = value.number {
            if let minimum = rules["minimum"]?.number, number < minimum {
                errors.append("\(path): \(number) < \(minimum)")
            }
            if let maximum = rules["maximum"]?.number, number > maximum {
                errors.append("\(path): \(number) > \(maximum)")
            }
        }
        if let text = value.string {
            if let minimum = rules["minLength"]?.number, Double(text.count) < minimum {
                errors.append("\(path): shorter than \(Int(minimum)) characters")
            }
            if let maximum = rules["maxLength"]?.number, Double(text.count) > maximum {
                errors.append("\(path): longer than \(Int(maximum)) characters")
            }
            if rules["format"]?.string == "date-time", !Self.isRFC3339(text) {
                errors.append("\(path): \(text) is not an RFC 3339 date-time")
            }
        }
        if let items = value.array {
            if let minimum = rules["minItems"]?.number, Double(items.count) < minimum {
                errors.append("\(path): fewer than \(Int(minimum)) items")
            }
            if let maximum = rules["maxItems"]?.number, Double(items.count) > maximum {
                errors.append("\(path): more than \(Int(maximum)) items")
            }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() {
                    errors += validate(item, against: itemSchema, at: "\(path)[\(index)]")
                }
            }
        }
        if let object = value.object {
            let properties = rules["properties"]?.object ?? [:]
            for name in rules["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
                errors.append("\(path): required property \(name) is missing")
            }
            for (name, property) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[name] {
                    errors += validate(property, against: propertySchema, at: "\(path).\(name)")
                } else if let additional = rules["additionalProperties"] {
                    if additional.bool == false {
                        errors.append("\(path): property \(name) is not in the schema (additionalProperties: false)")
                    } else {
                        errors += validate(property, against: additional, at: "\(path).\(name)")
                    }
                }
            }
        }
        if let members = rules["allOf"]?.array {
            for member in members { errors += validate(value, against: member, at: path) }
        }
        if let members = rules["anyOf"]?.array {
            let results = members.map { validate(value, against: $0, at: path) }
            if !results.contains(where: \.isEmpty) {
                let reasons = results.map { $0.joined(separator: "; ") }.joined(separator: " | ")
                errors.append("\(path): matches none of anyOf: " + reasons)
            }
        }
        if let members = rules["oneOf"]?.array {
            let results = members.map { validate(value, against: $0, at: path) }
            let matches = results.filter(\.isEmpty).count
            if matches != 1 {
                errors.append(
                    "\(path): matches \(matches) of oneOf, not exactly one"
                        + (matches == 0
                            ? ": " + results.map { $0.joined(separator: "; ") }.joined(separator: " | ") : ""))
            }
        }
        return errors
    }

    /// JSON equality (numbers by value).
    static func equal(_ left: ContractJSON, _ right: ContractJSON) -> Bool { left == right }

    static func describe(_ value: ContractJSON) -> String {
        let text = value.jsonText
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }

    /// `2025-11-26T07:00:10.123Z`, or with an offset; RFC 3339's date-time production.
    static func isRFC3339(_ text: String) -> Bool {
        let characters = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= characters.count && range.allSatisfy { (48...57).contains(characters[$0]) }
        }
        func byte(_ index: Int, _ expected: Character) -> Bool {
            index < characters.count && characters[index] == expected.asciiValue
        }
        guard digits(0..<4), byte(4, "-"), digits(5..<7), byte(7, "-"), digits(8..<10),
            byte(10, "T") || byte(10, "t"), digits(11..<13), byte(13, ":"), digits(14..<16), byte(16, ":"),
            digits(17..<19)
        else { return false }
        var index = 19
        if byte(index, ".") {
            index += 1
            let start = index
            while index < characters.count, (48...57).contains(characters[index]) { index += 1 }
            if index == start { return false }
        }
        if byte(index, "Z") || byte(index, "z") { return index + 1 == characters.count }
        guard byte(index, "+") || byte(index, "-"), digits(index + 1..<index + 3), byte(index + 3, ":"),
            digits(index + 4..<index + 6)
        else { return false }
        return index + 6 == characters.count
    }
}
