"""Identifier normalisation shared by real-time stitching and batch resolution.

Pure functions: a raw identifier value in, the canonical value (or None when it is junk) out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from onefold.schema.identifiers import CELL_PADDING, EMAIL_PATTERN

IDENTIFIER_TYPES = ("user_id", "anonymous_id", "email", "phone", "loyalty_id", "customer", "device_id")


def normalize_email(value: str) -> str | None:
    email = value.strip(CELL_PADDING).lower()
    return email if re.fullmatch(EMAIL_PATTERN, email) else None


def normalize_phone(value: str, default_region: str = "US") -> str | None:
    """E.164 (``+14155550100``) via Google's libphonenumber; None if it is not a possible number."""
    text = value.strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_identifier(kind: str, value: object, *, default_region: str = "US") -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if kind == "email":
        return normalize_email(text)
    if kind == "phone":
        return normalize_phone(text, default_region)
    return text


class Blocklist:
    """Junk identifier values (``test@test.com``, ``0000000000``, ``null``…) never used as evidence.

    Phone-like entries are compared on digits so ``000-000-0000`` and ``+1 0000000000`` are caught.
    """

    def __init__(self, values: Iterable[str]) -> None:
        self._values = {v.strip().lower() for v in values}
        self._digits = {d for d in (_digits(v) for v in self._values) if len(d) >= 7}

    def blocks(self, kind: str, value: str | None) -> bool:
        if value is None:
            return True
        text = value.strip().lower()
        if text in self._values:
            return True
        if kind == "phone":
            digits = _digits(text)
            if digits in self._digits or digits[-10:] in self._digits or len(set(digits)) <= 1:
                return True
        return False


def _digits(text: str) -> str:
    # Batch resolution asks about every distinct phone, already reduced to digits: skip the rebuild.
    return text if text.isdigit() else "".join(filter(str.isdigit, text))
