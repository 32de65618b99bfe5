"""Facebook's webhook signature: X-Hub-Signature-256, HMAC-SHA256 of the body's exact bytes
keyed with the app secret (docs/messenger.md)."""
import hashlib
import hmac

HEADER = "X-Hub-Signature-256"


def signature(secret, body):
    """The header's value for `body` (bytes) signed with `secret` (bytes or str)."""
    if isinstance(secret, str):
        secret = secret.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signed_headers(secret, body):
    """The headers of a signed webhook POST."""
    return {"Content-Type": "application/json", HEADER: signature(secret, body)}
