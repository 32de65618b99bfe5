import Foundation

/// Readers over `JSONSerialization` output shared by the Send API side (request bodies in, Graph
/// answers and headers back).
enum GraphJSON {
    /// Parses JSON text, allowing a bare scalar at the top; nil when it is not JSON.
    static func parse(_ bytes: some Collection<UInt8>) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// A JSON integer (or an integral float) that fits `Int`; nil for anything else, booleans included.
    static func integer(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        // The bridging cast succeeds only when the value is exactly an `Int` (1000.0 included).
        if let exact = value as? Int { return exact }
        let double = number.doubleValue
        guard double.isFinite, double.rounded(.towardZero) == double,
            double >= -9_007_199_254_740_992, double <= 9_007_199_254_740_992
        else { return nil }
        return Int(double)
    }

    /// `integer(_:)`, or a string of decimal digits (Graph has sent codes both ways through proxies).
    static func code(_ value: Any?) -> Int? {
        if let string = value as? String { return Int(string.trimmingCharacters(in: .whitespaces)) }
        return integer(value)
    }

    /// A non-negative number of any kind, or a numeric string.
    static func nonNegativeNumber(_ value: Any?) -> Double? {
        let double: Double?
        if let string = value as? String {
            double = Double(string.trimmingCharacters(in: .whitespaces))
        } else if let number = value as? NSNumber, !isBoolean(number) {
            double = number.doubleValue
        } else {
            double = nil
        }
        guard let double, double.isFinite, double >= 0 else { return nil }
        return double
    }

    /// JSON `true` only.
    static func isTrue(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber, isBoolean(number) else { return false }
        return number.boolValue
    }

    /// `JSONSerialization` gives booleans and numbers both as `NSNumber`; the type code tells them apart.
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
