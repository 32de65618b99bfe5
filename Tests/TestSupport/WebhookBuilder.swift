import Foundation

/// Builds Messenger webhook bodies shaped like Meta's, for times relative to now.
public enum WebhookBuilder {
    public static let page = "104857600012345"

    /// Milliseconds since the epoch.
    public static func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public static func body(page: String = page, _ events: [String]) -> [UInt8] {
        Array(
            #"{"object":"page","entry":[{"id":"\#(page)","time":\#(ms(Date())),"messaging":[\#(events.joined(separator: ","))]}]}"#
                .utf8)
    }

    public static func message(_ psid: String, mid: String, at: Date, text: String = "hello", page: String = page)
        -> String
    {
        #"{"sender":{"id":"\#(psid)"},"recipient":{"id":"\#(page)"},"timestamp":\#(ms(at)),"message":{"mid":"\#(mid)","text":"\#(text)"}}"#
    }

    public static func postback(_ psid: String, at: Date, payload: String = "START", page: String = page) -> String {
        #"{"sender":{"id":"\#(psid)"},"recipient":{"id":"\#(page)"},"timestamp":\#(ms(at)),"postback":{"title":"Start","payload":"\#(payload)","mid":"pb-\#(ms(at))"}}"#
    }

    public static func read(_ psid: String, watermark: Date, at: Date, page: String = page) -> String {
        #"{"sender":{"id":"\#(psid)"},"recipient":{"id":"\#(page)"},"timestamp":\#(ms(at)),"read":{"watermark":\#(ms(watermark))}}"#
    }

    public static func delivery(_ psid: String, watermark: Date, at: Date, page: String = page) -> String {
        #"{"sender":{"id":"\#(psid)"},"recipient":{"id":"\#(page)"},"timestamp":\#(ms(at)),"delivery":{"watermark":\#(ms(watermark))}}"#
    }

    public static func echo(
        _ psid: String, mid: String, at: Date, metadata: String? = nil, appID: String = "263902037430900",
        page: String = page
    ) -> String {
        let meta = metadata.map { #","metadata":"\#($0)""# } ?? ""
        return
            #"{"sender":{"id":"\#(page)"},"recipient":{"id":"\#(psid)"},"timestamp":\#(ms(at)),"message":{"is_echo":true,"app_id":\#(appID),"mid":"\#(mid)","text":"from the page"\#(meta)}}"#
    }
}
