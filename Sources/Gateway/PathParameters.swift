import Foundation
import Hummingbird

/// The path's `{…}` parameters, read one way everywhere: a text segment is percent-decoded and
/// must not be empty (400 `invalid_parameter`), an id is a positive integer (400 `invalid_id`,
/// naming what the id is of).
extension Parameters {
    /// The percent-decoded, non-empty `name` segment.
    func segment(_ name: String) throws -> String {
        guard let value = get(name)?.removingPercentEncoding, !value.isEmpty else {
            throw APIError(.badRequest, code: .invalidParameter, message: "\(name) is not a valid path segment")
        }
        return value
    }

    /// The `{id}` segment as a positive integer; `of` names the resource in the error, e.g.
    /// "message id must be a positive integer".
    func id(of resource: String) throws -> Int64 {
        guard let id = get("id").flatMap({ Int64($0) }), id > 0 else {
            throw APIError(.badRequest, code: .invalidId, message: "\(resource) id must be a positive integer")
        }
        return id
    }
}
