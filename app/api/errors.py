"""The one JSON error shape of everything under /api/.

    {"code": 422, "status": "Unprocessable Entity", "message": "…",
     "errors": {"full_name": ["…"], "skills.0": ["…"]}}

``errors`` is optional and always maps a field name to a list of messages, whatever
raised the error: a service (``InvalidInput(fields=…)``), or webargs/marshmallow while
reading the query string or the JSON body. webargs nests its messages by location
(``{"json": {"name": [...]}}``); they are flattened here so clients read one shape.
Nested fields are joined with dots (``skills.0``); errors about the body as a whole
(not JSON, not an object) use the key ``_schema``, as marshmallow does.
"""

from __future__ import annotations

import json
from http import HTTPStatus

import marshmallow as ma
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

WHOLE_BODY = "_schema"


class ErrorSchema(ma.Schema):
    """Documents the error payload (errors are built by json_error, not dumped by this)."""

    code = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code.", "example": 422})
    status = ma.fields.String(
        required=True, metadata={"description": "The HTTP reason phrase.", "example": "Unprocessable Entity"}
    )
    message = ma.fields.String(
        required=True,
        metadata={"description": "What went wrong, for a person, in the request's language.",
                  "example": "The profile could not be saved."},
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={
            "description": "Optional. Messages per field: query parameter or body field, nested fields "
            "joined with dots; `_schema` for the body as a whole.",
            "example": {"full_name": ["A name of 1 to 200 characters is required."]},
        },
    )


def flatten_messages(messages) -> dict[str, list[str]]:
    """webargs/marshmallow messages, nested by location and field, as {field: [messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (dict, list, tuple)):
                    walk(item, path)
                else:
                    flat.setdefault(path or WHOLE_BODY, []).append(str(item))
        else:
            flat.setdefault(path or WHOLE_BODY, []).append(str(value))

    if isinstance(messages, dict):
        # The first level is webargs' location (json, query, …): clients only need the field.
        for inner in messages.values():
            walk(inner, "")
    elif messages:
        walk(messages, "")
    return flat


def _default_messages() -> dict[int, str]:
    return {
        400: _("The request is malformed."),
        401: _("Authentication required: sign in, or send a personal API token as "
               "'Authorization: Bearer <token>'."),
        403: _("You are not allowed to do this."),
        404: _("No such resource: check the URL."),
        405: _("This method is not allowed on this resource."),
        406: _("This resource only answers in JSON."),
        409: _("This conflicts with the current state of the resource."),
        413: _("The request body is too large."),
        415: _("Send the request body as JSON, with the header 'Content-Type: application/json'."),
        422: _("The input is invalid: see the errors of each field."),
        429: _("Too many requests: wait a moment and try again."),
    }


def _message(error: HTTPException, data: dict) -> str:
    if data.get("message"):
        return str(data["message"])
    if isinstance(getattr(error, "exc", None), (json.JSONDecodeError, UnicodeDecodeError)):  # set by webargs
        return _("The request body is not valid JSON.")
    # A description given where the error was raised says more than the generic one.
    if error.description and error.description != type(error).description:
        return str(error.description)
    return _default_messages().get(error.code or 500, error.description or "")


def http_error_response(error: HTTPException):
    """The JSON response for an HTTP error (routing, auth, webargs, CSRF…) under /api/."""
    from flask_wtf.csrf import CSRFError

    from app import json_error

    code = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = flatten_messages(data.get("errors") or data.get("messages"))
    if isinstance(error, CSRFError):
        message = _("Missing or invalid CSRF token (%(reason)s). With a session cookie, send the token in "
                    "the X-CSRFToken header (GET /api/v1/csrf-token gives it), or use an API token.",
                    reason=error.description)
    else:
        message = _message(error, data)
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = error.name
    response, status = json_error(code, message, errors or None, phrase)
    # Keep the headers that tell the client what to do next (Allow on 405, WWW-Authenticate on 401).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response, status
