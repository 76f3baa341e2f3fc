"""Untrusted request data made safe to hand on: the caps every JSON or form body meets, and
the rules every string in it (and in a query string) follows. Every route reads through
here (``api.request``, the Vonage-compatible ``/sms/json``, the carrier's receipts), so
nothing below the API meets text that it cannot encode, hash, store or show.

- A body larger than ``MAX_BODY_BYTES`` is a 413.
- JSON nested deeper than ``MAX_DEPTH`` is a 400; so are ``NaN`` and ``Infinity``, which are
  not JSON.
- A lone UTF-16 surrogate in any string or key (JSON's ``"\\ud800"``) is a 400: it is not
  Unicode at all.
- A control character (C0, DEL, C1, the line and paragraph separators:
  ``domain.text``) in any string is a 422; only the ``FREE_TEXT_FIELDS`` may carry tab, LF
  and CR. Keys are held to the surrogate rule only: a key the route does not know is
  ignored, and those it knows are plain words.

A field is named as the error shape names it: ``name``, ``owner.name``, ``numbers[2]``.
Nothing here knows Chalice: it takes bytes and plain values.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs

from ..domain.text import CONTROL_CHARACTERS, CONTROL_CHARACTERS_BUT_LINE_BREAKS, LONE_SURROGATES
from ..errors import ControlCharacter, InvalidRequest, LoneSurrogate, PayloadTooLarge

#: The largest legitimate JSON body, a blacklist add of 1,000 numbers, is about 25 KB; a MiB
#: is ample for any body we take and still cheap to refuse unread.
MAX_BODY_BYTES = 1024 * 1024
#: Our deepest legitimate body nests three levels (an account and its owner); 32 leaves room
#: and stops a hostile ``[[[[...`` long before the interpreter's recursion limit.
MAX_DEPTH = 32
#: Top-level fields of free text, where line breaks and tabs make sense: an SMS ``text``, a
#: task's or template's ``content``, a template rejection's ``reason``.
FREE_TEXT_FIELDS = frozenset({"text", "content", "reason"})

_LONE_SURROGATE = re.compile(f"[{LONE_SURROGATES}]")
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_CONTROL_BUT_LINE_BREAKS = re.compile(f"[{CONTROL_CHARACTERS_BUT_LINE_BREAKS}]")


def parse_json(raw: bytes) -> Any:
    """The JSON value in ``raw`` (any JSON value), once it has passed the caps and every
    string and key in it has passed the rules."""
    check_size(raw)
    try:
        value = json.loads(raw, parse_constant=_not_json)
    except RecursionError:  # json's decoder recurses once per level
        raise too_deep() from None
    except ValueError:  # UnicodeDecodeError included
        raise InvalidRequest("body", "is not valid JSON") from None
    check_value(value)
    return value


def parse_form(raw: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as a flat dict (the last of repeated
    names wins), once it has passed the size cap and the string rules."""
    check_size(raw)
    try:
        pairs = parse_qs(raw.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        raise InvalidRequest("body", "is not valid form data") from None
    params = {name: values[-1] for name, values in pairs.items()}
    check_params(params)
    return params


def check_size(raw: bytes) -> None:
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge("body", f"must be at most {MAX_BODY_BYTES:,} bytes (1 MiB)")


def check_params(params: Mapping[str, str]) -> None:
    """Raise for the first name or value of a flat parameter list (a form body) that breaks
    the string rules."""
    for name, value in params.items():
        check_key(name, name)
        check_text(name, value, line_breaks=name in FREE_TEXT_FIELDS)


def check_query(params: Mapping[str, str]) -> None:
    """A query string's names and values must be Unicode. A control character in a filter
    or an id is harmless (it matches nothing, finds nothing) and is left to the route:
    what a route stores from a query string (an upload's filename) it checks itself."""
    for name, value in params.items():
        check_key(name, name)
        check_key(name, value)


def check_value(value: Any) -> None:
    """Raise for nesting past ``MAX_DEPTH``, or for the first string or key in ``value``
    (depth first, in document order) that breaks the string rules. Iterative, so a deep
    value cannot exhaust the stack."""
    pending: list[tuple[Any, str, int]] = [(value, "", 1)]
    while pending:
        item, field, depth = pending.pop()
        if isinstance(item, str):
            check_text(field, item, line_breaks=field in FREE_TEXT_FIELDS)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise too_deep()
            pending.extend(reversed(list(_members(item, field, depth + 1))))


def check_key(field: str, key: str) -> None:
    """A key (or parameter name) must be Unicode; ``field`` names where it is."""
    surrogate = _LONE_SURROGATE.search(key)
    if surrogate:
        raise LoneSurrogate(printable(field), surrogate.start() + 1)


def check_text(field: str, text: str, *, line_breaks: bool) -> None:
    surrogate = _LONE_SURROGATE.search(text)
    if surrogate:
        raise LoneSurrogate(printable(field), surrogate.start() + 1)
    control = (_CONTROL_BUT_LINE_BREAKS if line_breaks else _CONTROL).search(text)
    if control:
        raise ControlCharacter(printable(field), control.group(), control.start() + 1)


def printable(field: str) -> str:
    """``field`` as an error may show it: a bad key is named with its bad characters escaped
    (``a\\x00``), so the answer never carries what it refuses."""
    if _LONE_SURROGATE.search(field) or _CONTROL.search(field):
        return field.encode("unicode_escape").decode("ascii")
    return field


def too_deep() -> InvalidRequest:
    return InvalidRequest("body", f"nests deeper than {MAX_DEPTH} levels")


def _members(container: dict | list, field: str, depth: int) -> Iterator[tuple[Any, str, int]]:
    """(value, field, depth) of each member of ``container``; a dict's keys are checked here."""
    if isinstance(container, dict):
        for key, value in container.items():
            member = f"{field}.{key}" if field else key
            check_key(member, key)
            yield value, member, depth
    else:
        for index, value in enumerate(container):
            yield value, f"{field}[{index}]", depth


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")
