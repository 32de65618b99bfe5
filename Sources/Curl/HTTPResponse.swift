/// A complete HTTP response. Any status, including 4xx and 5xx, is a response rather than an error.
public struct HTTPResponse: Sendable {
    /// The status code of the final response (after any 1xx or followed redirects).
    public var status: Int
    /// Headers of the final response only, in the order received.
    public var headers: [HTTPHeader]
    /// The response body; empty for `HEAD`.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
