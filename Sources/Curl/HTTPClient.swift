import Foundation

/// An async HTTP client that runs blocking libcurl transfers on a fixed set of threads it owns.
///
/// Each worker thread creates its own ``CurlEasy`` and keeps it for its lifetime, so connections are
/// kept alive per thread and no easy handle is ever shared. Callers suspend on a continuation and
/// never block Swift's cooperative thread pool.
public final class HTTPClient: Sendable {
    /// The configuration every worker's ``CurlEasy`` uses.
    public let configuration: CurlConfiguration
    private let queue: TransferQueue

    /// Starts `configuration.threadCount` worker threads (at least one).
    public init(configuration: CurlConfiguration = CurlConfiguration()) {
        let queue = TransferQueue()
        self.configuration = configuration
        self.queue = queue
        for index in 0..<max(1, configuration.threadCount) {
            // The thread captures only the queue, never `self`, so dropping the client can shut it down.
            let thread = Thread { HTTPClient.runWorker(queue: queue, configuration: configuration) }
            thread.name = "herald.curl.\(index)"
            thread.start()
        }
    }

    deinit {
        queue.close()
    }

    /// Performs `request` on a worker thread; any HTTP status is a response, failures are `CurlError`s.
    ///
    /// Throws `.clientShutdown` after ``shutdown()``. Cancelling the task does not abort a transfer;
    /// `totalTimeout` bounds it instead.
    public func execute(_ request: HTTPRequest) async throws(CurlError) -> HTTPResponse {
        let result = await withCheckedContinuation { continuation in
            queue.enqueue(TransferQueue.Transfer(request: request, continuation: continuation))
        }
        return try result.get()
    }

    /// Stops accepting requests; queued ones still run, then the threads exit. Safe to call twice.
    ///
    /// Does not wait for the threads, so it never blocks the caller.
    public func shutdown() {
        queue.close()
    }

    /// A worker thread's whole life: create a handle here, on this thread, and serve the queue.
    private static func runWorker(queue: TransferQueue, configuration: CurlConfiguration) {
        let easy = Result { () throws(CurlError) in try CurlEasy(configuration: configuration) }
        while let transfer = queue.next() {
            // If the handle could not be created, fail each transfer rather than stalling the queue.
            let result = easy.flatMap { easy in
                Result { () throws(CurlError) in try easy.perform(transfer.request) }
            }
            transfer.continuation.resume(returning: result)
        }
    }
}
