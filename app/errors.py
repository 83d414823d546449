"""Domain errors raised by services; pages turn them into messages, the API into JSON."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class ServiceUnavailable(DomainError):
    """A service the operation needs (the job queue) cannot be reached: nothing was done."""

    status_code = 503
    code = "service_unavailable"


class RateLimited(DomainError):
    """Too many attempts in a short time (pages: a 429 page, API: 429 JSON, websocket: code rate_limited)."""

    status_code = 429
    code = "rate_limited"
