import Foundation

/// `herald status --json`: snake_case keys, every field written (`null` included) so that a
/// script can rely on the keys being there.
extension StatusReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case checkedAt = "checked_at"
        case webhooks, jobs, pages
        case blockedURLs = "blocked_urls"
        case failedLastHour = "failed_last_hour"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeTime(checkedAt, forKey: .checkedAt)
        try container.encode(webhooks, forKey: .webhooks)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(pages, forKey: .pages)
        try container.encode(blockedURLs, forKey: .blockedURLs)
        try container.encode(failedLastHour, forKey: .failedLastHour)
    }
}

extension StatusReport.Webhooks: Encodable {
    enum CodingKeys: String, CodingKey {
        case pending, parked
        case oldestPendingAgeSeconds = "oldest_pending_age_seconds"
        case processedEstimate = "processed_estimate"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pending, forKey: .pending)
        try container.encode(parked, forKey: .parked)
        try container.encodeOrNull(oldestPendingAgeSeconds, forKey: .oldestPendingAgeSeconds)
        try container.encodeOrNull(processedEstimate, forKey: .processedEstimate)
    }
}

extension StatusReport.Jobs: Encodable {
    enum CodingKeys: String, CodingKey {
        case available, running, retryable
        case oldestAvailableAgeSeconds = "oldest_available_age_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(available, forKey: .available)
        try container.encode(running, forKey: .running)
        try container.encode(retryable, forKey: .retryable)
        try container.encodeOrNull(oldestAvailableAgeSeconds, forKey: .oldestAvailableAgeSeconds)
    }
}
