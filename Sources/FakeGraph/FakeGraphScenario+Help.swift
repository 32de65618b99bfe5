import Foundation

extension FakeGraphScenario.Trigger: CustomStringConvertible {
    public var description: String {
        switch self {
        case .missingToken: "no access_token"
        case .tokenContains(let text): "token contains \"\(text)\""
        case .recipient(let keyword): "recipient \(keyword)[:suffix]"
        case .flakyRecipient: "recipient flaky-N[:suffix]"
        case .contentContains(let text): "text or attachment payload contains \"\(text)\""
        case .attachmentURLContains(let text): "attachment payload.url contains \"\(text)\""
        case .flakyToken: "token contains \"subscribe-flaky-N\""
        }
    }
}

extension FakeGraphFailure {
    /// `400 code 190/463`-style summary, read from ``body`` so it cannot drift from it.
    public var summary: String {
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let error = object["error"] as? [String: Any], let code = error["code"] as? Int
        else { return "\(status) \(rawValue) (not JSON)" }
        let subcode = (error["error_subcode"] as? Int).map { "/\($0)" } ?? ""
        let transient = error["is_transient"] as? Bool == true ? ", transient" : ""
        return "\(status) \(rawValue) (code \(code)\(subcode)\(transient))"
    }
}

extension FakeGraphScenario {
    /// ``table`` as text for `fake-graph --help`.
    public static var helpText: String {
        var lines = ["Scripted answers (first match wins; anything else succeeds with 200):"]
        for rule in table {
            lines.append(line(rule, per: "sends per recipient"))
        }
        lines.append("")
        lines.append("Token rows also answer GET /{version}/me. Other sends are checked like Graph:")
        lines.append(
            "bad JSON, no recipient.id, no message, empty message, text > 2000, metadata > 1000 -> 400 code 100.")
        lines.append("")
        lines.append("POST /{version}/{page-id}/subscribed_apps answers 200 {\"success\": true}")
        lines.append("(subscribed_fields in the query or a form body). Chosen by token:")
        lines.append("  no access_token")
        lines.append("      -> \(FakeGraphFailure.accessTokenRequired.summary)")
        lines.append("  the token rows above, as for sends")
        lines.append("  no subscribed_fields")
        lines.append("      -> \(FakeGraphFailure.missingSubscribedFields.summary)")
        for rule in subscriptionRows {
            lines.append(line(rule, per: "calls per page and token"))
        }
        lines.append("Subscriptions are recorded with the sends (\"endpoint\": \"subscribed_apps\").")
        lines.append("")
        lines.append("GET /{version}/{psid}?fields=first_name,last_name,profile_pic (User Profile API) answers the")
        lines.append(
            "profile scripted with POST /_fake/profiles {\"psid\", \"first_name\", \"last_name\", \"profile_pic\"},")
        lines.append(
            "else first_name \"User\", last_name the PSID and a picture URL (none for PSID no-picture[:suffix]).")
        lines.append("Chosen by the token rows above, then by PSID (the 'recipient' below):")
        for rule in profileTable where !rule.triggers.allSatisfy(\.isTokenTrigger) {
            lines.append(line(rule, per: "calls per PSID"))
        }
        lines.append("Profile calls are recorded apart: GET /_fake/profile-requests.")
        return lines.joined(separator: "\n")
    }

    private static func line(_ rule: Rule, per: String) -> String {
        let triggers = rule.triggers.map(\.description).joined(separator: ", or ")
        let answer =
            switch rule.behaviour {
            case .succeed: "200 ok"
            case .fail(let failure): failure.summary
            case .failFirst(_, let failure): "first N \(per): \(failure.summary); then 200 ok"
            }
        return "  \(triggers)\n      -> \(answer)"
    }
}
