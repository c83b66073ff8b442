"""One-line, user-facing descriptions of sqlglot errors (used by the transform engine and by
``emma-fs sql``): sqlglot's own messages span several lines with terminal underline codes."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TOKEN = re.compile(r"<Token token_type: TokenType\.\w+, text: (.*?), line:.*?>")


def one_line(exc: Exception) -> str:
    """``description (line L, col C)`` for a ParseError, else the first line of the message."""
    errors = getattr(exc, "errors", None)
    if errors:
        e = errors[0]
        desc = _TOKEN.sub(r"'\1'", _ANSI.sub("", str(e.get("description") or "syntax error")))
        near = _ANSI.sub("", str(e.get("highlight") or "")).strip()
        where = f"line {e.get('line')}, col {e.get('col')}"
        return f"{desc} near {near!r} ({where})" if near else f"{desc} ({where})"
    text = _ANSI.sub("", str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__
