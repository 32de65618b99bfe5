// Graph's error bodies. The fixture-backed ones are `Tests/Fixtures/graph/*.json`'s `body`, compacted
// with key order kept; FakeGraphTests compares each against its file, so edit both together.
extension FakeGraphFailure {
    static let errorBodies: [FakeGraphFailure: String] = [
        .tokenExpired:
            #"{"error":{"message":"Error validating access token: Session has expired on Wednesday, 25-Nov-26 23:00:00 PST. The current time is Thursday, 26-Nov-26 00:12:31 PST.","type":"OAuthException","code":190,"fbtrace_id":"AbCdEfGhIjK","error_subcode":463}}"#,
        .tokenPasswordChanged:
            #"{"error":{"message":"Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.","type":"OAuthException","code":190,"fbtrace_id":"AbCdEfGhIjK","error_subcode":460,"error_user_title":"","error_user_msg":""}}"#,
        .tokenPermissionsRevoked:
            #"{"error":{"message":"(#190) Any of the pages_read_engagement, pages_manage_metadata, pages_read_user_content, pages_manage_ads, pages_show_list or pages_messaging permission(s) must be granted before impersonating a user's page.","type":"OAuthException","code":190,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .blockedURL:
            #"{"error":{"message":"Your message couldn't be sent because it includes content that other people on Facebook have reported as abusive.","type":"OAuthException","code":368,"fbtrace_id":"AbCdEfGhIjK","error_subcode":1346003,"error_user_title":"Message Not Sent","error_user_msg":"Your message couldn't be sent because it includes content that other people on Facebook have reported as abusive.","error_data":{"sentry_block_data":"Aa1Bb2Cc3"}}}"#,
        .outsideWindow:
            #"{"error":{"message":"(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview","type":"OAuthException","code":10,"fbtrace_id":"AbCdEfGhIjK","error_subcode":2018278}}"#,
        .userUnavailable:
            #"{"error":{"message":"(#551) This person isn't receiving messages from you right now.","type":"OAuthException","code":551,"fbtrace_id":"AbCdEfGhIjK","error_subcode":1545041}}"#,
        .noMatchingUser:
            #"{"error":{"message":"(#100) No matching user found","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK","error_subcode":2018001}}"#,
        .rateLimited:
            #"{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .temporary:
            #"{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"fbtrace_id":"AbCdEfGhIjK","is_transient":true}}"#,
        .fileTooLarge:
            #"{"error":{"message":"(#100) Attachment size exceeds allowable limit","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK","error_subcode":2018109}}"#,
        .invalidParameter:
            #"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .typeMismatch:
            #"{"error":{"message":"(#100) Upload attachment failure.","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK","error_subcode":2018047}}"#,
        .userRequestLimit:
            #"{"error":{"message":"(#17) User request limit reached","type":"OAuthException","code":17,"fbtrace_id":"AbCdEfGhIjK","error_subcode":2446079,"is_transient":true}}"#,
        .permissionDenied:
            #"{"error":{"message":"(#200) Requires pages_manage_metadata permission to manage the object","type":"OAuthException","code":200,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .profilePermissionDenied:
            #"{"error":{"message":"(#200) Requires pages_messaging permission to manage the object","type":"OAuthException","code":200,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .profileNotFound:
            #"{"error":{"message":"Unsupported get request. Object with ID '0' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api","type":"GraphMethodException","code":100,"error_subcode":33,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .missingToken:
            #"{"error":{"message":"An active access token must be used to query information about the current user.","type":"OAuthException","code":2500,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .malformedBody:
            #"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .missingRecipient:
            #"{"error":{"message":"(#100) The parameter recipient is required","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .missingMessage:
            #"{"error":{"message":"(#100) Must send either message or sender action","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .emptyMessage:
            #"{"error":{"message":"(#100) Message cannot be empty, must provide valid attachment or text","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .textTooLong:
            #"{"error":{"message":"(#100) Length of param message[text] must be less than or equal to 2000","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .metadataTooLong:
            #"{"error":{"message":"(#100) Length of param message[metadata] must be less than or equal to 1000","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .accessTokenRequired:
            #"{"error":{"message":"An access token is required to request this resource.","type":"OAuthException","code":104,"fbtrace_id":"AbCdEfGhIjK"}}"#,
        .missingSubscribedFields:
            #"{"error":{"message":"(#100) The parameter subscribed_fields is required.","type":"OAuthException","code":100,"fbtrace_id":"AbCdEfGhIjK"}}"#,
    ]

    /// What a load balancer in front of Graph answers during an outage: HTML, not JSON.
    static let outagePage = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Error</title></head>
        <body><h1>Sorry, something went wrong.</h1><p>We're working on it and we'll get it fixed as soon as we can.</p></body>
        </html>

        """
}
