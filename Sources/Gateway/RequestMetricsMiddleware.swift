import Hummingbird

/// Counts requests by route, method and status, and times them by route.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatewayMetrics
    static var knownMethods: Set<String> { ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, start)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, status: error.status.code, start)
            throw error
        } catch {
            record(request, context, status: 500, start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, _ start: ContinuousClock.Instant) {
        // The matched route pattern, never the raw path: ids in paths would explode cardinality.
        let route = context.endpointPath ?? "unmatched"
        // Clients choose the method string: keep the label set bounded.
        let method = Self.knownMethods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        metrics.request(route: route, method: method, status: status, duration: .now - start)
    }
}
