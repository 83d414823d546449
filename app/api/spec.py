"""What the OpenAPI document says beyond the resources: authentication, errors, pagination."""

from __future__ import annotations

from apispec import BasePlugin

DESCRIPTION = """\
The REST API of Facettes, the cooperative's decision platform. The same operations as
the pages, with the same rules: the API is another door into the same services.

## Authentication

* **Personal API token**: create one on your profile page (*API tokens*) or with
  `POST /api/v1/members/me/tokens` while signed in; it is shown once. Send it as
  `Authorization: Bearer <token>`. A revoked token, or the token of a member who has left
  the cooperative, gets `401`. Token requests need no CSRF token.
* **Browser session**: the session cookie set by the sign-in page. `GET` requests need
  nothing more; `POST`, `PATCH`, `PUT` and `DELETE` must send the CSRF token in an
  `X-CSRFToken` header (get it from `GET /api/v1/csrf-token`).

Without either, every resource answers `401`, except this document and the API index.

## Errors

Every error, whatever its cause, has one JSON shape (the `Error` schema):
`{"code": 422, "status": "Unprocessable Entity", "message": "…", "errors": {"field": ["…"]}}`.
`errors` is present when fields are at fault: one list of messages per query parameter
or body field (nested fields joined with dots, `_schema` for the body as a whole).
A body that is not JSON gets `400`; a body sent with another content type than
`application/json`, `415`; invalid values, `422`; nothing changes when a request fails.
Messages follow the member's language, else `Accept-Language` (French or English).

## Pagination

Lists take `page` (from 1) and `page_size` (default 20, at most 100: more is a `422`).
The `X-Pagination` header holds `total`, `total_pages`, `first_page`, `last_page`,
`page`, `previous_page`, `next_page` (the last four only when they exist). A page past the
last one returns an empty list and a header without `page`.
"""

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token: `Authorization: Bearer fct_…`.",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The browser session of the pages. Unsafe methods also need the "
        "`X-CSRFToken` header (see `GET /api/v1/csrf-token`).",
    },
}


class ErrorResponsesPlugin(BasePlugin):
    """Documents the errors any operation may answer, so each resource need not repeat them."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            wanted = []
            if operation.get("security") != []:
                wanted += [(401, "UNAUTHORIZED"), (403, "FORBIDDEN")]
            if "requestBody" in operation:
                wanted += [(400, "BAD_REQUEST"), (415, "UNSUPPORTED_MEDIA_TYPE"), (422, "UNPROCESSABLE_ENTITY")]
            if path and "{" in path:
                wanted.append((404, "NOT_FOUND"))
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}
            for code, name in wanted:
                if str(code) not in documented:
                    responses[code] = name  # a response component flask-smorest registers for each status
