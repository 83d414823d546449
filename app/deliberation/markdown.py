"""Markdown rendered safely: Markdown produces HTML, nh3 (ammonia) keeps only a safe subset.

Raw HTML in the source is allowed through Markdown on purpose and then cleaned, so a
member's harmless <em> survives while <script>, event handlers, javascript: URLs and
the like are removed whatever way they were written.
"""

from __future__ import annotations

import markdown as _markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "ins", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_SOURCE = 100_000


def render(source: str) -> str:
    """Safe HTML for a Markdown source (a str, to be stored; wrap with Markup to show)."""
    html = _markdown.markdown(source or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
        allowed_classes={"a": {"mention"}},
        strip_comments=True,
    )


def render_markup(source: str) -> Markup:
    return Markup(render(source))
