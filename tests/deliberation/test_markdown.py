"""Markdown is rendered, and whatever HTML or script it carries is made harmless."""

import re
from html.parser import HTMLParser

import pytest

from app.deliberation.diff import changed, word_diff
from app.deliberation.markdown import render

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">clic</a>',
    '<a href="JaVaScRiPt:alert(1)">clic</a>',
    '<a href="&#106;avascript:alert(1)">clic</a>',
    '<a href=" javascript:alert(1)">clic</a>',
    "[clic](javascript:alert(1))",
    "[clic](JAVASCRIPT:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "[x](vbscript:msgbox(1))",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)">x</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<input autofocus onfocus=alert(1)>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '"><script>alert(1)</script>',
    "<!--<script>alert(1)</script>-->",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    '<a href="https://ok.example" onmouseover="alert(1)">ok</a>',
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<marquee onstart=alert(1)>",
]

SAFE_TAGS = {"a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ins",
             "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"}


class Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML (text is inert)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_harmless(html: str) -> None:
    for tag, attrs in elements(html):
        assert tag in SAFE_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name in {"href", "title", "rel", "align", "class"}, (name, html)
            if name == "class":
                assert value in ("", "mention"), (value, html)
            if name == "href":
                # Entities are already decoded by the parser: what is left is what the browser follows.
                scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value or "")
                assert scheme is None or scheme.group(1).lower() in {"http", "https", "mailto"}, (value, html)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_known_xss_payloads_are_rendered_harmless(payload):
    html = render(f"Texte avant.\n\n{payload}\n\nTexte après.")
    assert_harmless(html)
    assert "<script" not in html.lower()
    assert "Texte avant." in html  # the harmless text around survives (an unclosed <style> may eat what follows)


def test_markdown_is_rendered_and_safe_links_kept_with_rel():
    html = render("**gras**, *italique*\n\n- un\n- deux\n\n[site](https://kaleidoscop.example)")
    assert "<strong>gras</strong>" in html and "<em>italique</em>" in html
    assert "<li>un</li>" in html
    assert 'href="https://kaleidoscop.example"' in html
    assert 'rel="noopener noreferrer nofollow ugc"' in html


def test_code_is_shown_escaped_not_executed():
    html = render("`<b>x</b>`")
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_word_diff_marks_deleted_and_inserted_words_and_escapes_html():
    assert str(word_diff("les parts sociales", "les parts <b>sociétaires</b>")) == \
        "les parts <del>sociales</del><ins>&lt;b&gt;sociétaires&lt;/b&gt;</ins>"
    assert str(word_diff("même texte", "même texte")) == "même texte"
    assert changed("un deux trois", "un quatre trois cinq") == (1, 2)


def test_an_amendments_diff_keeps_only_the_context_around_changes():
    old = " ".join(f"mot{i}" for i in range(100))
    html = str(word_diff(old, old.replace("mot50", "MOT"), context=6))
    assert "<del>mot50</del><ins>MOT</ins>" in html
    assert "mot47" in html and "mot53" in html and "mot10 " not in html and "mot90" not in html
    assert html.count('class="skip"') == 2
