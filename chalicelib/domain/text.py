"""Text callers type in: the characters no value we take may hold (pure).

One definition for every place that checks: the request reader (``api.payload``), the names
and URLs the services check for callers that skip it, and the OpenAPI description's patterns.
"""
from __future__ import annotations

import re

#: C0 and C1 controls, DEL, and the line and paragraph separators (U+2028, U+2029): no place in
#: a name, an id, a number or a URL. As a regex character-class body.
CONTROL_CHARACTERS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
#: The same less tab, LF and CR: what free text (an SMS, a template's content) may not hold.
CONTROL_CHARACTERS_BUT_LINE_BREAKS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
#: Python joins a valid surrogate pair into one character, so a surrogate left in a str stands
#: alone: not Unicode, not encodable as UTF-8 (DynamoDB and every encoder downstream refuse it).
LONE_SURROGATES = "\ud800-\udfff"

_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}{LONE_SURROGATES}]")


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character that has no place in a one-line value: a control
    character (tab and newline included), a line separator or a lone surrogate."""
    return _CONTROL.search(text) is not None
