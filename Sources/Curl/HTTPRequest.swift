/// One HTTP header field; names compare case-insensitively where it matters.
public struct HTTPHeader: Sendable, Hashable {
    /// The field name, e.g. `Content-Type`.
    public var name: String
    /// The field value, without surrounding whitespace.
    public var value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A complete HTTP request: method, URL, headers and an optional body.
public struct HTTPRequest: Sendable {
    /// The methods ``CurlEasy`` supports.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case get = "GET"
        case head = "HEAD"
        case post = "POST"
        case put = "PUT"
        case delete = "DELETE"
    }

    /// The request method.
    public var method: Method
    /// The absolute `http://` or `https://` URL; other schemes are refused by libcurl.
    public var url: String
    /// Request headers, sent in order.
    public var headers: [HTTPHeader]
    /// The request body; ignored for `HEAD`. `POST` and `PUT` without a body send an empty one.
    public var body: [UInt8]?

    /// Creates a request.
    public init(method: Method = .get, url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A request whose body is JSON, with `Content-Type: application/json` added to `headers`.
    public static func json(
        _ method: Method,
        url: String,
        body: [UInt8],
        headers: [HTTPHeader] = []
    ) -> HTTPRequest {
        let contentType = HTTPHeader(name: "Content-Type", value: "application/json")
        return HTTPRequest(method: method, url: url, headers: [contentType] + headers, body: body)
    }
}
