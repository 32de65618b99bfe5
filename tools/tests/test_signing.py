import hashlib
import hmac
import os
import unittest

from herald_tools import signing
from tests.support import WEBHOOK_FIXTURES


def signature_vectors():
    """(file name, expected header) pairs and the app secret from SIGNATURES.txt."""
    secret, vectors = None, []
    with open(os.path.join(WEBHOOK_FIXTURES, "SIGNATURES.txt")) as listing:
        for line in listing:
            if line.startswith("#") or not line.strip():
                continue
            name, value = (part.strip() for part in line.split(":", 1))
            if name == "app_secret":
                secret = value
            else:
                vectors.append((name, value))
    return secret, vectors


class SigningTests(unittest.TestCase):
    def test_matches_every_fixture_vector(self):
        secret, vectors = signature_vectors()
        self.assertEqual(secret, "fixture-app-secret")
        # Every body in the folder has its vector: none silently skipped by a misread listing.
        bodies = sorted(name for name in os.listdir(WEBHOOK_FIXTURES) if name.endswith(".json"))
        self.assertEqual(sorted(name for name, _ in vectors), bodies)
        self.assertGreater(len(bodies), 0)
        for name, expected in vectors:
            with self.subTest(name):
                with open(os.path.join(WEBHOOK_FIXTURES, name), "rb") as body:
                    self.assertEqual(signing.signature(secret, body.read()), expected)

    def test_secret_as_bytes_or_text_is_the_same(self):
        body = b'{"object":"page"}'
        self.assertEqual(signing.signature("s3cret", body), signing.signature(b"s3cret", body))

    def test_one_changed_byte_changes_the_signature(self):
        self.assertNotEqual(signing.signature("k", b'{"a":1}'), signing.signature("k", b'{"a":2}'))

    def test_signed_headers_carry_the_signature_and_json_type(self):
        body = b"{}"
        headers = signing.signed_headers("k", body)
        self.assertEqual(headers["Content-Type"], "application/json")
        expected = "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["X-Hub-Signature-256"], expected)


if __name__ == "__main__":
    unittest.main()
