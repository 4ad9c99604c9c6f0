"""Short references a person can read over the phone: no 0/O, 1/I/L, 5/S or 8/B to confuse."""

from __future__ import annotations

import secrets

ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference(prefix: str) -> str:
    """A reference like ``H-7KQ2-9FXD``; callers keep it unique with a unique constraint."""
    return f"{prefix}-{random_code(4)}-{random_code(4)}"


def normalise_reference(text: str) -> str:
    return (text or "").strip().upper().replace(" ", "")
