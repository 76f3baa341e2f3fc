"""Login identities, passwords and one-time codes: the rules, without storage."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from .phone import PhoneNumberError, parse_login_phone

# An address mail can be sent to: RFC 5322's dot-atom local part and a domain of DNS labels
# (an internationalised one in its xn-- form), the top-level one starting with a letter;
# spaces around it are dropped.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^ *{_ATOM}(\.{_ATOM})*@({_LABEL}\.)+[A-Za-z][A-Za-z0-9-]{{0,61}}[A-Za-z0-9] *$"
EMAIL_RE = re.compile(EMAIL_PATTERN)
MAX_EMAIL = 254  # RFC 5321's limit on a forward path, spaces around it included

CODE_TTL_SECONDS = 300
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_SECONDS = 60
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_SECONDS = 900
MIN_PASSWORD_LENGTH = 10
CODE_PURPOSES = ("login", "reset_password")

# scrypt (RFC 7914) is memory-hard and in the standard library: n=2**14, r=8 uses 16 MiB.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class IdentityError(ValueError):
    """Input that breaks an identity rule; ``str(exc)`` is the reason."""


@dataclass(frozen=True)
class Login:
    """A normalised login: a lower-cased email or an E.164 phone number."""
    value: str
    kind: str  # "email" | "phone"


def normalise_login(text: object) -> Login:
    """Normalise what a user typed as a login; raise IdentityError if it is neither."""
    raw = _typed(text, "must be a string: an email address or a phone number")
    if "@" in raw:
        return normalise_email(text)
    try:
        return Login(parse_login_phone(raw).e164, "phone")
    except PhoneNumberError as exc:
        raise IdentityError(str(exc)) from None


def normalise_email(text: object) -> Login:
    """An email address, lower-cased; IdentityError if ``text`` is anything else (a phone
    number included: a field that takes only an email is not a login field)."""
    raw = _typed(text, "must be a string: an email address")
    if not EMAIL_RE.match(raw) or len(str(text)) > MAX_EMAIL:
        raise IdentityError("is not an email address")
    return Login(raw.lower(), "email")


def _typed(text: object, wrong_type: str) -> str:
    """``text`` without the spaces around it; IdentityError "is required" when absent or
    blank, ``wrong_type`` when it is not a string at all (a JSON number, say)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise IdentityError("is required")
    if not isinstance(text, str):
        raise IdentityError(wrong_type)
    return text.strip(" ")


def check_password_strength(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise IdentityError(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 256:
        raise IdentityError("must be at most 256 characters")
    if password.isdigit() or password.isalpha():
        raise IdentityError("must mix letters with digits or symbols")
    return password


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 2**20, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str | None) -> bool:
    """Constant-time check; an absent hash still costs one KDF run (no timing oracle)."""
    if not encoded:
        hash_password(password or "")
        return False
    _, n, r, p, salt, digest = encoded.split("$")
    candidate = hashlib.scrypt((password or "").encode(), salt=bytes.fromhex(salt), dklen=32,
                               n=int(n), r=int(r), p=int(p), maxmem=64 * 2**20)
    return hmac.compare_digest(candidate.hex(), digest)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def hash_code(code: str, key: bytes, login: str) -> str:
    """A keyed hash: six digits are trivially brute-forced from a plain hash."""
    return hmac.new(key, f"{login}:{code}".encode(), hashlib.sha256).hexdigest()


def new_password() -> str:
    """An initial password: 16 URL-safe characters, always mixing letters and digits."""
    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            return check_password_strength(candidate)
        except IdentityError:
            continue
