"""Reading the pages back after hostile input: what counts as executable markup, and what is new.

Pages are parsed with lxml (a real HTML parser, as a browser would build a tree), never
searched with regular expressions: `&lt;script&gt;` in the text is harmless, a <script>
element is not, however its tag was spelled.
"""

from __future__ import annotations

import re
from collections import Counter

import lxml.html
from lxml import etree

from app.deliberation.markdown import ALLOWED_TAGS as MARKDOWN_TAGS

# Attributes a browser follows or runs: none may carry a script URL.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href",
                  "{http://www.w3.org/1999/xlink}href", "srcset", "lowsrc", "dynsrc", "ping", "cite"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg", "livescript:")
# Elements that run, load or embed something: a page may only have the ones its template has.
ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
               "style", "svg", "math", "img", "video", "audio", "source", "form", "input", "button",
               "textarea", "select", "details", "marquee", "noscript", "body", "html", "head", "title", "a"}
# What a browser's URL parser ignores (WHATWG URL): C0 controls and spaces around, tabs and newlines inside.
_AROUND = "".join(chr(c) for c in range(0x21))
_INSIDE = re.compile(r"[\t\n\r]")


def parse(html: str):
    return lxml.html.document_fromstring(html or "<html></html>")


def without_flashes(tree):
    """The tree minus the flash messages, which differ from one request to the next."""
    for node in tree.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " flashes ")]'):
        node.getparent().remove(node)
    return tree


def flash_errors(tree) -> list[str]:
    return [node.text_content().strip() for node in
            tree.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " flash-error ")]')]


def field_errors(tree) -> list[str]:
    """Messages next to fields (the forms macro marks the field aria-invalid and lists its errors)."""
    messages = [node.text_content().strip() for node in tree.xpath(
        '//*[contains(concat(" ", normalize-space(@class), " "), " error")'
        ' or contains(concat(" ", normalize-space(@class), " "), " errors ")'
        ' or contains(concat(" ", normalize-space(@class), " "), " field-error")]')]
    if tree.xpath('//*[@aria-invalid="true"]'):
        messages.append("aria-invalid")
    # The error page (error.html): its title names the status, its main paragraph the reason.
    title = " ".join(tree.xpath("//title//text()"))
    if re.search(r"\b4\d\d\b", title):
        messages.extend(p.text_content().strip() for p in tree.xpath("//main//p")[:1])
    return [m for m in messages if m]


def tag_name(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return "#comment" if isinstance(element, etree._Comment) else "#other"
    return tag.rsplit("}", 1)[-1].lower()


def tag_counts(tree) -> Counter:
    return Counter(tag_name(element) for element in tree.iter())


def text_of(tree) -> str:
    """The visible text (scripts and styles aside), whitespace collapsed."""
    body = tree.find("body")
    node = body if body is not None else tree
    return " ".join(" ".join(node.itertext()).split())


def _scheme_of(value: str) -> str:
    return _INSIDE.sub("", value.strip(_AROUND)).lower()


def executable_markup(tree) -> list[str]:
    """Every way the page could run a script that is not one of the application's own files."""
    problems = []
    for element in tree.iter():
        name = tag_name(element)
        if name.startswith("#"):
            continue
        if name == "script":
            src = element.get("src") or ""
            if not src.startswith("/static/") or (element.text or "").strip():
                problems.append(f"<script src={src!r}> {(element.text or '')[:60]!r}")
        if name in {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}:
            problems.append(f"<{name}>")
        if name == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            problems.append("<meta http-equiv=refresh>")
        if name == "style" and re.search(r"expression|javascript:|@import|url\(", element.text or "", re.I):
            problems.append(f"<style> {(element.text or '')[:60]!r}")
        for attribute, value in element.attrib.items():
            attribute = attribute.lower()
            local = attribute.rsplit("}", 1)[-1]
            if local.startswith("on"):
                problems.append(f"<{name} {attribute}={value[:40]!r}>")
            if local == "srcdoc":
                problems.append(f"<{name} srcdoc>")
            is_url = attribute in URL_ATTRIBUTES or local in URL_ATTRIBUTES
            if is_url and _scheme_of(value).startswith(SCRIPT_SCHEMES):
                problems.append(f"<{name} {attribute}={value[:40]!r}>")
            if local == "style" and re.search(r"expression|javascript:|url\(", value, re.I):
                problems.append(f"<{name} style={value[:40]!r}>")
    return problems


def new_elements(after: Counter, baseline: Counter, *, allowed: set[str] = frozenset()) -> dict[str, int]:
    """Tags the page has more of than the baseline, those in `allowed` aside."""
    return {tag: after[tag] - baseline[tag] for tag in after
            if after[tag] > baseline[tag] and tag not in allowed}


def delta(after: Counter, before: Counter) -> Counter:
    result = Counter(after)
    result.subtract(before)
    return result


__all__ = ["ACTIVE_TAGS", "MARKDOWN_TAGS", "delta", "executable_markup", "field_errors", "flash_errors", "new_elements",
           "parse", "tag_counts", "text_of", "without_flashes"]
