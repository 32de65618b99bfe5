"""Paths the tests share: the repository root, found from this file (tools/tests/support.py)."""
import os

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEBHOOK_FIXTURES = os.path.join(REPOSITORY, "Tests", "Fixtures", "webhooks")
