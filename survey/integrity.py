"""Integrity without identity: signed one-off form tokens and the flood counter."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass


def _key(secret_key: str, purpose: bytes) -> bytes:
    return hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest()


def _sign(secret_key: str, payload: str) -> str:
    mac = hmac.new(_key(secret_key, b"form-token"), payload.encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def issue_token(secret_key: str, hour: int) -> str:
    """A form token: a random submission id and the hour it was issued, signed.

    The token names no one: the id is random, and the hour is coarse and never stored.
    The id becomes the response's submission id, so a retried submit stores no more.
    """
    payload = f"{secrets.token_hex(16)}.{hour}"
    return f"{payload}.{_sign(secret_key, payload)}"


@dataclass(frozen=True)
class Token:
    """A form token whose signature checked out."""

    submission_id: str
    hour: int

    def expired(self, now_hour: int, max_age_hours: int) -> bool:
        """Whether the form was open too long (or claims to come from the future)."""
        return not 0 <= now_hour - self.hour <= max_age_hours


def read_token(secret_key: str, token: str) -> Token | None:
    """The token's contents if our key signed it, else None."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[0]) != 32 or not parts[1].isdigit():
        return None
    submission_id, hour, signature = parts
    expected = _sign(secret_key, f"{submission_id}.{hour}")
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        int(submission_id, 16)
    except ValueError:
        return None
    return Token(submission_id=submission_id, hour=int(hour))


class FloodCounter:
    """Counts submissions per client per hour, in memory only, to refuse floods.

    A client is known only by an HMAC of its address under a random key that is made
    afresh every hour and never written down: the counts cannot be turned back into
    addresses, and everything is forgotten on the hour and on restart.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        self._hour: int | None = None
        self._key = b""
        self._counts: dict[bytes, int] = {}

    def allow(self, address: str, hour: int) -> bool:
        """Count a submission from `address`; False once over the hourly limit."""
        if self.limit <= 0:
            return True
        with self._lock:
            if hour != self._hour:
                self._hour = hour
                self._key = secrets.token_bytes(32)
                self._counts = {}
            bucket = hmac.new(self._key, address.encode(), hashlib.sha256).digest()
            self._counts[bucket] = self._counts.get(bucket, 0) + 1
            return self._counts[bucket] <= self.limit
