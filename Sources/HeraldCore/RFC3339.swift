import Foundation

/// RFC 3339 timestamps as the API writes them: UTC, milliseconds, `Z`
/// (`2025-11-26T07:00:10.123Z`).
public enum RFC3339 {
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Formats `date`, truncated to the millisecond (Postgres keeps microseconds).
    public static func string(from date: Date) -> String {
        // Round to the microsecond first so binary floating point cannot turn .123000 into .122999.
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let millis = Int64((micros / 1000).rounded(.down))
        let seconds = Double(millis.floorDivided(by: 1000))
        let fraction = Int(millis - Int64(seconds) * 1000)
        let parts = utc.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, fraction)
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds.
    public static func date(from string: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(string) { return date }
        return try? Date.ISO8601FormatStyle().parse(string)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
