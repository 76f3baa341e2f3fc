"""URLs the platform makes requests to (customer webhooks, per-message callbacks): the rules
that need no network. Whether a host resolves to a private address is the service's check."""
from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import urlsplit

from .text import has_control_characters

# A DNS label: letters, digits and hyphens, not at either end; underscores are taken too (DNS
# allows them and some providers' host names have them).
_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
MAX_HOST = 253


class UrlError(ValueError):
    """A URL no request should be made to; ``str(exc)`` is the reason, read after the field name."""


class DeliveryUrl(NamedTuple):
    scheme: str  # http | https
    host: str  # lower-case, without the brackets of an IPv6 literal


def split_delivery_url(url: str) -> DeliveryUrl:
    """The scheme and host of ``url``, if it is an absolute http(s) URL with a valid host and
    no credentials; UrlError saying what is wrong otherwise."""
    if any(ch.isspace() for ch in url) or has_control_characters(url):
        raise UrlError("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (ValueError for a port that is not a number from 0 to 65535)
    except ValueError:  # an unclosed [IPv6 literal, too
        raise UrlError("is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlError("must be an absolute http(s) URL")
    # A "user:password@" part would be stored, shown back to everyone who reads the webhook and
    # sent to every proxy and log on the way; deliveries are authenticated by their signature.
    if "@" in parts.netloc:
        raise UrlError("must not contain a user name or password (user:password@)")
    if not valid_host(parts.hostname):
        raise UrlError("has an invalid host name (an internationalised one is written in its xn-- form)")
    return DeliveryUrl(parts.scheme, parts.hostname)


def valid_host(host: str) -> bool:
    """An IP address, or a host name of valid DNS labels, in ASCII: an internationalised name
    is written in its ``xn--`` form, so the name shown is the name used (IDNA would silently
    drop a zero-width space or fold a full-width letter)."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    name = host.removesuffix(".")
    return (name.isascii() and len(name) <= MAX_HOST
            and all(_LABEL_RE.fullmatch(label) for label in name.split(".")))
