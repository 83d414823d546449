"""The API's own resources: its index, and the CSRF token browser-session clients need."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask_wtf.csrf import generate_csrf

from app.api.auth import public
from app.api.pagination import Blueprint

blp = Blueprint("api", __name__, description="The API itself")


class IndexSchema(ma.Schema):
    title = ma.fields.String()
    version = ma.fields.String()
    openapi = ma.fields.String(metadata={"description": "URL of the OpenAPI document."})
    docs = ma.fields.String(metadata={"description": "URL of the interactive documentation."})


class CsrfTokenSchema(ma.Schema):
    csrf_token = ma.fields.String(
        required=True, metadata={"description": "Send it as the X-CSRFToken header of unsafe requests."}
    )


@blp.route("")
@public
@blp.response(200, IndexSchema)
def index():
    """Where to find the OpenAPI document and its interactive page (no authentication)."""
    return {
        "title": current_app.config["API_TITLE"],
        "version": current_app.config["API_VERSION"],
        "openapi": url_for("api-docs.openapi_json"),
        "docs": url_for("api-docs.openapi_swagger_ui"),
    }


@blp.route("/csrf-token")
@blp.response(200, CsrfTokenSchema)
def csrf_token():
    """The CSRF token of the current browser session.

    Only clients authenticated by the session cookie need it, for POST, PATCH, PUT and
    DELETE; another site cannot read this response, so handing it out is safe.
    """
    return {"csrf_token": generate_csrf()}
