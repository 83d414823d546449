"""Who is calling the API: a browser session, or a personal token sent as a Bearer header.

Every /api/ resource requires an authenticated, active member unless its view is marked
``@public``: a new resource is protected by default, not by remembering a decorator.
"""

from __future__ import annotations

from copy import deepcopy

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Unauthorized, UnsupportedMediaType

from app.extensions import login_manager

API_PREFIX = "/api/"
BEARER = "Bearer "
# flask-smorest's own blueprint: the OpenAPI document and the Swagger UI page.
DOC_BLUEPRINT = "api-docs"
BODY_METHODS = {"POST", "PUT", "PATCH"}


def public(view):
    """Marks an API view (function or MethodView method) as open to anonymous callers.

    Put it above flask-smorest's decorators, so the OpenAPI document says so too.
    """
    view._api_public = True
    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    apidoc.setdefault("manual_doc", {})["security"] = []  # overrides the document's global security
    view._apidoc = apidoc
    return view


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    # Same test as the CSRF exemption in app/__init__.py: what skips CSRF must be a token.
    return header[len(BEARER):].strip() if header.startswith(BEARER) else None


def authenticated_by_token() -> bool:
    return bool(g.get("api_token_auth"))


def current_member():
    """The member behind the request, as the model object (services need the real one)."""
    return current_user._get_current_object()


def _challenge(error: str | None = None) -> WWWAuthenticate:
    values = {"realm": "Facettes API"}
    if error:
        values["error"] = error  # RFC 6750 §3.1
    return WWWAuthenticate("Bearer", values)


def _is_public() -> bool:
    if request.blueprint == DOC_BLUEPRINT:
        return True
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = "get" if request.method == "HEAD" else request.method.lower()
        view = getattr(view_class, method, None)
    return bool(getattr(view, "_api_public", False))


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def authenticate_api_request():
    """before_request for /api/: token first, then session; anonymous callers get 401."""
    if not request.path.startswith(API_PREFIX):
        return
    secret = bearer_secret()
    if secret is not None:
        from app.members.services import member_from_api_token

        member = member_from_api_token(secret) if secret else None
        if member is None:
            raise Unauthorized(
                _("This API token is unknown or revoked, or its member has left the cooperative."),
                www_authenticate=_challenge("invalid_token"),
            )
        # The token, not a session cookie sent alongside it, says who is calling.
        login_manager._update_request_context_with_user(member)
        g.api_token_auth = True
    if request.routing_exception is not None or request.method == "OPTIONS":
        return  # an unknown URL or method is reported as such, to everyone
    # Flask-Login counts an inactive member (one who has left) as not authenticated, so a
    # session opened before they left ends here too.
    if not _is_public() and not current_user.is_authenticated:
        raise Unauthorized(www_authenticate=_challenge())
    if request.method in BODY_METHODS and _has_body() and not request.is_json:
        raise UnsupportedMediaType()
    if request.method in BODY_METHODS and request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            # Nested deeper than the parser's stack (webargs would meet the same error: a 500).
            raise BadRequest(_("The request body is not valid JSON.")) from None
        _refuse_nul_characters(body)


def _refuse_nul_characters(body) -> None:
    """A JSON body with a NUL in any string is refused: a 422 naming each field (nested: dotted).

    PostgreSQL cannot store a NUL and SQLite cuts strings at it: without this, a NUL that
    reached a column the services do not check was a 500. The pages refuse it in forms.
    """
    from app.api.errors import WHOLE_BODY
    from app.errors import InvalidInput

    found: set[str] = set()
    # A loop, not recursion: a deeply nested body must not exhaust the stack (another 500).
    pending = [(body, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.add(path or WHOLE_BODY)
        elif isinstance(value, dict):
            for key, inner in value.items():
                inner_path = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    found.add(inner_path)
                pending.append((inner, inner_path))
        elif isinstance(value, list):
            pending.extend((inner, f"{path}.{index}" if path else str(index)) for index, inner in enumerate(value))
    if found:
        message = _("Contains a NUL character, which cannot be stored.")
        raise InvalidInput(_("The input is invalid: see the errors of each field."),
                           fields={name.replace("\x00", ""): [message] for name in sorted(found)})
