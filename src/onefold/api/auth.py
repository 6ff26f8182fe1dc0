"""API key checks on the hot path: Segment-style Basic auth or ``writeKey``, with a short cache.

Verifying a key costs an HMAC plus a SQLite read; at thousands of requests per second that is
worth caching. Entries (including unknown keys, so a flood of bad keys stays cheap) live
``key_cache_seconds``; a key created or revoked with the CLI while the server runs takes effect
within that time.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time

from onefold.govern import keys as keyring
from onefold.store.sqlite import connect
from onefold.store.workspace import WorkspacePaths

_MAX_ENTRIES = 10_000


def basic_auth_user(header: str | None) -> str | None:
    """The username of an ``Authorization: Basic`` header (the write key), or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, _password = decoded.partition(":")
    return user or None


class KeyCache:
    def __init__(self, paths: WorkspacePaths, *, ttl_seconds: float) -> None:
        self._secret = paths.read_secret()
        self._conn = connect(paths.state_db, synchronous="NORMAL", check_same_thread=False)
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, keyring.ApiKey | None]] = {}

    def lookup(self, plaintext: str) -> keyring.ApiKey | None:
        now = time.monotonic()
        hit = self._entries.get(plaintext)
        if hit is not None and hit[0] > now:
            return hit[1]
        with self._lock:
            key = keyring.lookup_key(self._conn, self._secret, plaintext)
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()
            self._entries[plaintext] = (now + self._ttl, key)
        return key

    def authorize(self, plaintext: str | None, action: str) -> keyring.ApiKey:
        """AuthError (401) for missing/unknown/revoked, PermissionDenied (403) for the wrong role."""
        return keyring.authorize(self.lookup(plaintext) if plaintext else None, action)

    def close(self) -> None:
        self._conn.close()
