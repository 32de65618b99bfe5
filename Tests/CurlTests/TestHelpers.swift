import Curl
import Foundation

/// Runs blocking work on a thread of its own, so tests never block Swift's cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// Performs `requests` in order on one fresh ``CurlEasy``, created and used on a dedicated thread.
func performInOrder(
    _ requests: [HTTPRequest],
    configuration: CurlConfiguration = CurlConfiguration()
) async -> [Result<HTTPResponse, CurlError>] {
    await onThread {
        do throws(CurlError) {
            let easy = try CurlEasy(configuration: configuration)
            return requests.map { request in Result { () throws(CurlError) in try easy.perform(request) } }
        } catch {
            return requests.map { _ in .failure(error) }
        }
    }
}

/// Performs one request on a fresh ``CurlEasy``, on a dedicated thread.
func perform(
    _ request: HTTPRequest,
    configuration: CurlConfiguration = CurlConfiguration()
) async -> Result<HTTPResponse, CurlError> {
    await performInOrder([request], configuration: configuration)[0]
}

extension Result {
    /// The error of a failed result, for `#require`.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}

extension HTTPResponse {
    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }
}
