"""Text callers type into names, labels and URLs (pure)."""
from __future__ import annotations

import unicodedata

# C0 and C1 controls and DEL (Cc), lone surrogates (Cs: not encodable as UTF-8, so DynamoDB and
# every JSON encoder downstream refuse them), and the line and paragraph separators (Zl, Zp).
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character that has no place in a one-line value: a control
    character (tab and newline included), a lone surrogate or a line separator."""
    return any(unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in text)
