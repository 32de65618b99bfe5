import Foundation
import Logging

/// Herald's configuration, read from the environment and validated in one pass so that every
/// problem is reported at once, one line each, naming the variable.
struct HeraldSettings: Sendable {
    var databaseURL: String
    var host: String
    var port: Int
    var appSecret: String
    var verifyToken: String
    var apiToken: String
    var adminToken: String
    var tokenKey: [UInt8]?
    var graphURL: String
    var graphVersion: String
    var concurrency: Int
    var jobLeaseSeconds: Int
    var retryBaseSeconds: Int
    var maxAttempts: Int
    var profileRefreshDays: Int
    var urlProbeSeconds: Int
    var autoResendOnReply: Bool
    var allowPrivateURLs: Bool
    var metricsPort: Int?
    var webhookRetentionDays: Int
    var maxBodyBytes: Int
    var readTimeoutSeconds: Int
    var idleTimeoutSeconds: Int
    var maxConnections: Int
    var databasePoolSize: Int
    var migrationsDirectory: String?
    var logLevel: Logger.Level
    var logFormat: LogFormat

    /// Every problem found, one line per variable.
    struct Invalid: Error, CustomStringConvertible {
        var problems: [String]
        var description: String { problems.joined(separator: "\n") }
    }

    /// Reads the settings `roles` need; throws `Invalid` listing every problem.
    static func load(from environment: [String: String], for roles: Setting.Roles) throws(Invalid) -> HeraldSettings {
        var reader = Reader(environment: environment, roles: roles)
        let settings = HeraldSettings(
            databaseURL: reader.string(.databaseURL),
            host: reader.string(.host),
            port: reader.integer(.port, in: 1...65_535),
            appSecret: reader.string(.appSecret),
            verifyToken: reader.string(.verifyToken),
            apiToken: reader.string(.apiToken),
            adminToken: reader.string(.adminToken),
            tokenKey: reader.key(.tokenKey),
            graphURL: reader.httpURL(.graphURL),
            graphVersion: reader.string(.graphVersion),
            concurrency: reader.integer(.concurrency, in: 1...256),
            jobLeaseSeconds: reader.integer(.jobLeaseSeconds, in: 5...3_600),
            retryBaseSeconds: reader.integer(.retryBaseSeconds, in: 1...3_600),
            maxAttempts: reader.integer(.maxAttempts, in: 1...100),
            profileRefreshDays: reader.integer(.profileRefreshDays, in: 1...365),
            urlProbeSeconds: reader.integer(.urlProbeSeconds, in: 1...86_400),
            autoResendOnReply: reader.boolean(.autoResendOnReply),
            allowPrivateURLs: reader.boolean(.allowPrivateURLs),
            metricsPort: reader.optionalInteger(.metricsPort, in: 1...65_535),
            webhookRetentionDays: reader.integer(.webhookRetentionDays, in: 1...3650),
            maxBodyBytes: reader.integer(.maxBodyBytes, in: 1_024...(64 << 20)),
            readTimeoutSeconds: reader.integer(.readTimeoutSeconds, in: 1...3_600),
            idleTimeoutSeconds: reader.integer(.idleTimeoutSeconds, in: 1...3_600),
            maxConnections: reader.integer(.maxConnections, in: 1...1_000_000),
            databasePoolSize: reader.integer(.databasePoolSize, in: 1...200),
            migrationsDirectory: environment[Setting.migrationsDirectory.name].flatMap { $0.isEmpty ? nil : $0 },
            logLevel: reader.logLevel(.logLevel),
            logFormat: reader.logFormat(.logFormat))
        guard reader.problems.isEmpty else { throw Invalid(problems: reader.problems) }
        return settings
    }

    /// Collects problems instead of stopping at the first.
    private struct Reader {
        let environment: [String: String]
        let roles: Setting.Roles
        var problems: [String] = []

        private mutating func raw(_ setting: Setting) -> String? {
            if let value = environment[setting.name], !value.isEmpty { return value }
            if !setting.requiredBy.isDisjoint(with: roles) {
                problems.append("\(setting.name) is required: \(setting.summary)")
                return nil
            }
            return nil
        }

        mutating func string(_ setting: Setting) -> String {
            raw(setting) ?? (setting.requiredBy.isDisjoint(with: roles) ? setting.defaultValue ?? "" : "")
        }

        mutating func integer(_ setting: Setting, in range: ClosedRange<Int>) -> Int {
            let text = string(setting)
            guard let value = Int(text), range.contains(value) else {
                problems.append(
                    "\(setting.name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\""
                )
                return range.lowerBound
            }
            return value
        }

        /// Nil when unset; else like `integer`.
        mutating func optionalInteger(_ setting: Setting, in range: ClosedRange<Int>) -> Int? {
            guard environment[setting.name].map({ !$0.isEmpty }) == true else { return nil }
            return integer(setting, in: range)
        }

        mutating func boolean(_ setting: Setting) -> Bool {
            let text = string(setting)
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default:
                problems.append("\(setting.name) must be true or false, got \"\(text)\"")
                return false
            }
        }

        mutating func httpURL(_ setting: Setting) -> String {
            let text = string(setting)
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased()), url.host != nil
            else {
                problems.append("\(setting.name) must be an http(s) URL, got \"\(text)\"")
                return text
            }
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }

        mutating func key(_ setting: Setting) -> [UInt8]? {
            guard let text = raw(setting) else { return nil }
            guard let data = Data(base64Encoded: text), data.count == 32 else {
                // Never echo the value: it is a secret.
                problems.append("\(setting.name) must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)")
                return nil
            }
            return Array(data)
        }

        mutating func logLevel(_ setting: Setting) -> Logger.Level {
            let text = string(setting)
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                problems.append(
                    "\(setting.name) must be one of trace, debug, info, notice, warning, error, critical; got \"\(text)\""
                )
                return .info
            }
            return level
        }

        mutating func logFormat(_ setting: Setting) -> LogFormat {
            let text = string(setting)
            guard let format = LogFormat(rawValue: text.lowercased()) else {
                problems.append("\(setting.name) must be text or json, got \"\(text)\"")
                return .text
            }
            return format
        }
    }
}
