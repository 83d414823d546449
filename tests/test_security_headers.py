"""Every response carries the security headers; no page needs an inline script."""

import re

from tests.conftest import sign_in


def _script_src(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part for part in policy.split("; ") if part.startswith("script-src"))


def test_pages_api_and_errors_carry_the_security_headers(client, make_member):
    responses = [client.get("/connexion"), client.get("/api/v1/openapi.json"), client.get("/nulle-part"),
                 client.get("/api/v1/nope"), client.get("/healthz")]
    for response in responses:
        assert "'unsafe-inline'" not in _script_src(response)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_page_relies_on_an_inline_script(client, make_member):
    sign_in(client, make_member())
    for path in ("/", "/membres", "/propositions", "/scrutins", "/profil", "/api/v1/docs"):
        page = client.get(path).get_data(as_text=True)
        inline = [tag for tag in re.findall(r"<script[^>]*>", page) if "src=" not in tag]
        assert inline == [], (path, inline)
        assert not re.search(r"\son(click|load|submit|change)=", page), path
