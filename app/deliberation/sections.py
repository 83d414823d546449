"""Sections of a Markdown body, for amendments that replace one section only.

A section is an ATX heading line (``#`` to ``######``) and everything up to the next
heading of the same or a higher level (fewer ``#``), so it includes its sub-sections.
Lines inside fenced code blocks are never headings. Setext headings (a line underlined
with ``===`` or ``---``) are ignored: they are ordinary text here.

Pure functions on strings: no database, no request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# CommonMark: up to three spaces, 1-6 '#', then a space/tab or the end of the line;
# an optional closing run of '#' preceded by a space is not part of the text.
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class Section:
    position: int  # 1-based rank among all the headings of the body
    level: int  # 1 for '#', 6 for '######'
    heading: str  # the heading's text, without the '#' marks
    occurrence: int  # 1-based rank among the headings with the same text
    start: int  # offset of the heading line in the body
    end: int  # offset just after the section (the next heading of the same or higher level, or the end)

    def text(self, body: str) -> str:
        """The section's text, heading line included, without the blank lines that separate it from the next."""
        return body[self.start:self.end].rstrip()


def _heading_lines(body: str):
    """(offset, level, text) of each ATX heading outside fenced code blocks."""
    offset = 0
    fence: tuple[str, int] | None = None  # (character, length) of the open fence
    for line in body.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        opening = _FENCE.match(content)
        if fence is not None:
            # A fence closes with the same character, at least as long, and nothing after it.
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= fence[1] \
                    and not opening.group(2).strip():
                fence = None
        elif opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = (opening.group(1)[0], len(opening.group(1)))
        else:
            match = _HEADING.match(content)
            if match:
                yield offset, len(match.group(1)), (match.group(2) or "").strip()
        offset += len(line)


def parse_sections(body: str) -> list[Section]:
    body = body or ""
    found = list(_heading_lines(body))
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for index, (start, level, heading) in enumerate(found):
        end = next((other for other, other_level, _ in found[index + 1:] if other_level <= level), len(body))
        seen[heading] = seen.get(heading, 0) + 1
        sections.append(Section(position=index + 1, level=level, heading=heading, occurrence=seen[heading],
                                start=start, end=end))
    return sections


def find(body: str, heading: str, occurrence: int) -> Section | None:
    """The ``occurrence``-th section titled ``heading``, or None if the body has no such section."""
    return next((section for section in parse_sections(body)
                 if section.heading == heading and section.occurrence == occurrence), None)


def splice(body: str, section: Section, replacement: str) -> str:
    """The body with ``section`` replaced, keeping the blank lines that separated it from what follows."""
    old = body[section.start:section.end]
    separator = old[len(old.rstrip()):]
    if section.end < len(body) and not separator:
        separator = "\n"  # the next heading must stay at the start of a line
    return body[:section.start] + replacement.rstrip() + separator + body[section.end:]
