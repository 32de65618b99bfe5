import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// One answer of the fake Graph API, before it is written: status, headers, JSON (or HTML) body.
struct FakeGraphAnswer: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    static func json(_ text: String) -> FakeGraphAnswer {
        FakeGraphAnswer(status: 200, headers: [("Content-Type", "application/json; charset=UTF-8")], body: text)
    }

    /// Graph's answer for `failure`, shaped like `fixtures/graph/`.
    static func failure(_ failure: FakeGraphFailure, pageID: String) -> FakeGraphAnswer {
        FakeGraphAnswer(
            status: failure.status, headers: [("Content-Type", failure.contentType)] + failure.headers(pageID: pageID),
            body: failure.body)
    }

    var fields: HTTPFields {
        var fields = HTTPFields()
        for header in headers {
            if let name = HTTPField.Name(header.name) { fields[name] = header.value }
        }
        return fields
    }

    /// As a Hummingbird response (the routes served by the router).
    var response: Response {
        Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
