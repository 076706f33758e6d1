"""Staff PINs as argon2id hashes (argon2-cffi), and nothing else (issue 14).

The parameters are OWASP's first argon2id choice (19 MiB, two passes, one lane): a desk PC
checks a PIN in well under 100 ms, while every guess at a stolen hash costs the same. A PIN
has at most 10^8 values, so the hash alone does not keep it secret from someone who has the
database: the lockout after five wrong PINs guards the desk, and the database's own access
control guards the hashes.

Sign-in checks a PIN against a fixed dummy hash when the initials are unknown, so an
unknown and a known account take about the same time to refuse.
"""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

#: time_cost 2, memory_cost 19 MiB, parallelism 1 (OWASP Password Storage Cheat Sheet).
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, type=Type.ID)
PREFIX = "$argon2id$"


def hash_pin(pin: str) -> str:
    """A new argon2id hash (a fresh salt each time) of a well-formed PIN."""
    return HASHER.hash(pin)


def verify_pin(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` is the one ``pin_hash`` was made from. Never raises on a wrong PIN or
    a damaged hash (a damaged hash matches nothing)."""
    if not pin_hash.startswith(PREFIX):
        verify_nobody(pin)
        return False
    try:
        return HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def verify_nobody(pin: str) -> None:
    """Spend the time of one check, for initials that belong to nobody."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        HASHER.verify(DUMMY_HASH, pin)


def needs_rehash(pin_hash: str) -> bool:
    """Whether a hash was made with other parameters than :data:`HASHER`'s."""
    try:
        return HASHER.check_needs_rehash(pin_hash)
    except InvalidHashError:
        return True


#: The hash of a random secret no one can type as a PIN (it has letters), made with
#: :data:`HASHER`'s parameters so checking against it takes as long as a real check.
DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$A2yKd/gnXAhxDTwkJiRqug$DRfu0QpBrka9VFHHi6ua4vVLwZygJkwHhwj77v9Kqio"
