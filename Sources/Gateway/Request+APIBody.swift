import Hummingbird

extension Request {
    /// The whole body of an API request, at most `limit` bytes; a larger one is a 413
    /// `body_too_large` (reading stops as soon as the limit is passed).
    func apiBody(upTo limit: Int, what: String = "body") async throws -> [UInt8] {
        do {
            var buffer = try await body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: .bodyTooLarge, message: "\(what) is larger than \(limit) bytes")
        }
    }
}
