"""The OpenAPI document and the Swagger UI page, served without any third-party host."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

from openapi_spec_validator import validate

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


def test_openapi_document_is_valid_and_lists_the_resources(anonymous):
    response = anonymous.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    validate(spec)  # raises on any departure from the OpenAPI 3 schema

    assert spec["openapi"] == "3.0.3"
    assert {
        "/api/v1", "/api/v1/csrf-token", "/api/v1/members", "/api/v1/members/me",
        "/api/v1/members/{member_id}", "/api/v1/members/me/tokens", "/api/v1/members/me/tokens/{token_id}",
    } <= set(spec["paths"])
    assert set(spec["paths"]["/api/v1/members/me"]) >= {"get", "patch"}
    assert set(spec["paths"]["/api/v1/members/me/tokens"]) >= {"get", "post"}
    assert "delete" in spec["paths"]["/api/v1/members/me/tokens/{token_id}"]

    # Authentication: bearer token or session cookie, required everywhere but the index.
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["cookieAuth"]["in"] == "cookie" and "X-CSRFToken" in schemes["cookieAuth"]["description"]
    assert spec["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert spec["paths"]["/api/v1"]["get"]["security"] == []
    for word in ("Bearer", "X-CSRFToken", "X-Pagination", "page_size", "errors"):
        assert word in spec["info"]["description"]

    # One error schema, referenced by the error responses of the operations.
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "status", "message", "errors"}
    assert set(error["required"]) == {"code", "status", "message"}
    responses = spec["components"]["responses"]
    for name in ("UNAUTHORIZED", "NOT_FOUND", "UNPROCESSABLE_ENTITY", "UNSUPPORTED_MEDIA_TYPE", "DEFAULT_ERROR"):
        assert responses[name]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    patch = spec["paths"]["/api/v1/members/me"]["patch"]["responses"]
    assert {"400", "401", "403", "415", "422"} <= set(patch)
    assert patch["422"] == {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}
    assert spec["paths"]["/api/v1/members/{member_id}"]["get"]["responses"]["404"] == {
        "$ref": "#/components/responses/NOT_FOUND"}

    # Pagination: documented arguments with the configured maximum, and the header.
    listing = spec["paths"]["/api/v1/members"]["get"]
    page_size = next(p for p in listing["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 100 and page_size["schema"]["default"] == 20
    assert "X-Pagination" in listing["responses"]["200"]["headers"]

    # Member schemas never expose secrets.
    member_fields = set(spec["components"]["schemas"]["Member"]["properties"])
    assert {"status", "roles", "shares", "skills", "themes"} <= member_fields
    for name, schema in spec["components"]["schemas"].items():
        for field in schema.get("properties", {}):
            assert "hash" not in field and "password" not in field, (name, field)


def test_docs_page_loads_only_local_assets_that_exist(anonymous):
    response = anonymous.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)

    # No URL to another host anywhere in the page (scheme-relative ones included).
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    config = json.loads(unescape(re.search(r'data-config="([^"]*)"', html).group(1)))
    assert config["validatorUrl"] is None  # Swagger UI would otherwise call validator.swagger.io

    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 4, assets
    for asset in assets:
        assert not urlsplit(asset).netloc, asset
        assert asset.startswith("/static/vendor/swagger-ui/") or asset == "/static/js/swagger-init.js", asset
        served = anonymous.get(asset)
        assert served.status_code == 200, asset
        assert len(served.get_data()) > 400
        served.close()
    assert "/api/v1/openapi.json" in html


def test_vendored_swagger_ui_names_its_version_and_licence():
    folder = STATIC / "vendor" / "swagger-ui"
    package, integrity = (folder / "VERSION").read_text().split()
    assert re.fullmatch(r"swagger-ui-dist@\d+\.\d+\.\d+", package)
    assert integrity.startswith("sha512-")
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert (folder / "NOTICE").exists()
