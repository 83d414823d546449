"""Pages of a long list (the decision register, the member directory) for the HTML views.

A page holds LIST_PAGE_SIZE rows (100 by default): the page's time and size then stay
the same whatever the cooperative's history, and the CSV exports still give everything.
The API has its own pagination (app/api/pagination.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int  # from 1
    pages: int  # at least 1, even for an empty list
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page() -> int:
    """The ?page= asked for; anything that is not a positive number is the first page."""
    raw = request.args.get("page", "")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 10 and int(raw) > 0 else 1


def paginate(query: Select, number: int | None = None) -> Page:
    """One page of an ORM query (ordered by the caller); a page past the end shows the last one."""
    size = current_app.config["LIST_PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    number = min(number or requested_page(), pages)
    items = db.session.scalars(query.limit(size).offset((number - 1) * size)).all()
    return Page(items, number, pages, total)
