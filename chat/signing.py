"""Signatures over what the server wrote and gets back from a client (answer state, message metadata).

A browser or API client can send back anything: the server relies only on what carries its own
signature (HMAC-SHA256 over canonical JSON, keyed by the server's secret and the value's purpose).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


class Signer:
    """Signs JSON values for one purpose, and checks them when a client sends them back."""

    def __init__(self, key: bytes, purpose: bytes):
        # One key per purpose: a signature made for one use is never valid for another.
        self.key = hashlib.sha256(purpose + b"\0" + key).digest()

    def sign(self, value: Any) -> str:
        """The signature of one JSON value (canonical form: sorted keys, no spaces, ASCII)."""
        raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
        return hmac.new(self.key, raw, hashlib.sha256).hexdigest()

    def valid(self, value: Any, signature: object) -> bool:
        """True when ``signature`` is this signer's for ``value``."""
        try:
            expected = self.sign(value)
        except (TypeError, ValueError):  # not JSON: nothing this server signed
            return False
        return isinstance(signature, str) and hmac.compare_digest(expected, signature)


def state_signer(key: bytes) -> Signer:
    """The signer of the route state an answer carries (``/api/ask`` follow-ups)."""
    return Signer(key, b"tradeassist answer state")


def metadata_signer(key: bytes) -> Signer:
    """The signer of the answer metadata the chat stores with each answer message (resume, feedback)."""
    return Signer(key, b"tradeassist message metadata")
