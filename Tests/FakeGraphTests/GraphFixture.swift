import Foundation
import TestSupport

/// One `Tests/Fixtures/graph/NAME.json`: the status and body Graph answers.
struct GraphFixture {
    var status: Int
    /// The body, re-serialised with sorted keys so that two equal JSON values compare equal as text.
    var canonicalBody: String
    var error: [String: Any]

    init(_ name: String) throws {
        let url = RepositoryPaths.fixtures.appendingPathComponent("graph/\(name).json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        status = object["http_status"] as? Int ?? 0
        let body = object["body"] as? [String: Any] ?? [:]
        canonicalBody = try Self.canonical(body)
        error = body["error"] as? [String: Any] ?? [:]
    }

    static func canonical(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// `bytes` as a JSON value re-serialised like ``canonicalBody``.
    static func canonical(bytes: [UInt8]) throws -> String {
        try canonical(JSONSerialization.jsonObject(with: Data(bytes)))
    }
}

/// The fields Herald classifies on, read from a Graph error body.
struct GraphErrorFields: Equatable, CustomStringConvertible {
    var code: Int?
    var subcode: Int?
    var type: String?
    var isTransient: Bool?

    init(_ error: [String: Any]) {
        code = error["code"] as? Int
        subcode = error["error_subcode"] as? Int
        type = error["type"] as? String
        isTransient = error["is_transient"] as? Bool
    }

    init(bytes: [UInt8]) throws {
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        self.init(object?["error"] as? [String: Any] ?? [:])
    }

    var description: String { "code \(code ?? -1)/\(subcode ?? -1) \(type ?? "-") transient=\(isTransient ?? false)" }
}

enum FileManagerNames {
    /// The names (without `.json`) in `Tests/Fixtures/graph`.
    static func graphFixtures() throws -> [String] {
        let directory = RepositoryPaths.fixtures.appendingPathComponent("graph")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }
    }
}
