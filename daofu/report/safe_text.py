"""Quoting what people typed in a report: visible, short, and harmless.

Unanswered questions and rating reasons are people's own words. They may hold control characters
(a pasted terminal escape, a bell, a right-to-left override) and floods of emoji, which would break
a Markdown table, a terminal or a page. :func:`quoted` makes one line a person can read: control
and format characters shown as escapes (``\\x07``, ``\\u202e``), a run of the same emoji or symbol
cut to three, at most a few symbols in all, and the whole cut to a length. :func:`markdown_cell`
then escapes what Markdown would read as markup.
"""

from __future__ import annotations

import unicodedata

MAX_QUOTE_CHARS = 60
MAX_RUN = 3  # the same symbol at most this often in a row
MAX_SYMBOLS = 8  # emoji and other symbols in one quote
ELLIPSIS = "…"
_MARKDOWN = str.maketrans({ch: f"\\{ch}" for ch in "\\`*_{}[]()#+!|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _symbol(ch: str) -> bool:
    """Emoji and pictographs (Unicode "other symbol"), and their joiners and variation selectors."""
    return unicodedata.category(ch) == "So" or ch in "\u200d\ufe0f\ufe0e" or 0x1F3FB <= ord(ch) <= 0x1F3FF


def quoted(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """``text`` as one safe, readable line of at most ``limit`` characters (see the module docstring)."""
    out: list[str] = []
    run_char, run = "", 0
    symbols = 0
    cut = False
    for ch in text:
        if ch in "\r\n\t":
            ch = " "
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200d\ufe0f\ufe0e":
            out.append(_escape(ch))
            run_char, run = "", 0
            continue
        if _symbol(ch):
            run = run + 1 if ch == run_char else 1
            run_char = ch
            if run > MAX_RUN or symbols >= MAX_SYMBOLS:
                cut = True
                continue
            symbols += 1
        else:
            run_char, run = "", 0
        out.append(ch)
    line = " ".join("".join(out).split())
    if cut and not line.endswith(ELLIPSIS):
        line += ELLIPSIS
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + ELLIPSIS
    return line


def markdown_cell(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """A quote fit for a Markdown table cell: :func:`quoted`, then Markdown's markup escaped."""
    return quoted(text, limit).translate(_MARKDOWN)
