"""Word-level comparison of two texts, rendered as <del>/<ins> (difflib on words)."""

from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

# Words and the whitespace between them are separate tokens, so line breaks survive.
_TOKEN = re.compile(r"\s+|[^\s]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


SKIP = '<span class="skip">[…]</span>'


def word_diff(old: str, new: str, context: int | None = None) -> Markup:
    """The new text against the old, words removed in <del>, words added in <ins>.

    With ``context``, long unchanged stretches are cut to that many tokens (words and
    spaces) on each side of a change, so a one-word amendment of a long text stays short.
    """
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    parts: list[str] = []
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            same = a[a1:a2]
            first, last = index == 0, index == len(opcodes) - 1
            keep_head = 0 if first else (context or 0)
            keep_tail = 0 if last else (context or 0)
            if context is not None and len(same) > keep_head + keep_tail + 1:
                head = escape("".join(same[:keep_head]))
                tail = escape("".join(same[len(same) - keep_tail:])) if keep_tail else ""
                parts.append(f"{head}{SKIP}{tail}")
            else:
                parts.append(str(escape("".join(same))))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(a[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(b[b1:b2]))}</ins>")
    return Markup("".join(parts))


def changed(old: str, new: str) -> tuple[int, int]:
    """(words removed, words added), for a short summary next to a diff."""
    a, b = tokens(old), tokens(new)
    removed = added = 0
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed += sum(1 for t in a[a1:a2] if not t.isspace())
        if op in ("insert", "replace"):
            added += sum(1 for t in b[b1:b2] if not t.isspace())
    return removed, added
