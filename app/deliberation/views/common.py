"""Helpers of the deliberation pages."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps

from flask import flash, redirect, request
from flask_login import current_user

from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.timeutil import local_zone


def member():
    return current_user._get_current_object()


def refused_then_back(target):
    """Run a POST action; on a refusal, roll back, say why, and go back to ``target(**kwargs)``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except DomainError as error:
                db.session.rollback()
                messages = [error.message]
                if isinstance(error, InvalidInput):
                    messages += [message for values in error.fields.values() for message in values]
                flash(" ".join(messages), "error")
                return redirect(target(**kwargs))

        return wrapper

    return decorate


def from_local(value: datetime | None) -> datetime | None:
    """A time typed in the cooperative's zone (a datetime-local field), as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_zone()).replace(tzinfo=None) if value else None


def ids(name: str) -> list[str]:
    return request.form.getlist(name)
