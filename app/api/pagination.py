"""Pagination convention of the API, and the Blueprint every resource module uses.

``?page=`` (from 1) and ``?page_size=`` (default 20, at most API_PAGE_SIZE_MAX); the
``X-Pagination`` response header carries ``total``, ``total_pages``, ``first_page``,
``last_page``, ``page``, ``previous_page`` and ``next_page`` (the last four only when
they exist). A page past the last one is not an error: it is an empty list, and its
header has no ``page`` (flask-smorest's behaviour, kept so clients can stop on it).
"""

from __future__ import annotations

import flask_smorest
import marshmallow as ma
from flask import current_app, has_app_context
from flask_smorest import Page
from flask_smorest.pagination import PaginationMetadataSchema
from sqlalchemy import Select, func, select

from app.extensions import db

DEFAULT_PAGE_SIZE = 20
DEFAULT_PAGE_SIZE_MAX = 100
# Far beyond any real list, and keeps OFFSET within a 64-bit integer on every database.
PAGE_MAX = 1_000_000
# Path ids: a 32-bit key. A larger number is a 404, not an overflow inside the database driver.
ID = "int(min=1, max=2147483647)"


class PageSizeRange(ma.validate.Range):
    """Range(1, API_PAGE_SIZE_MAX), the maximum read from the config each time it is used.

    flask-smorest fixes the maximum when the view is decorated, at import time, before
    any configuration exists; reading it here lets each application set its own.
    """

    def __init__(self):
        super().__init__(min=1, max=DEFAULT_PAGE_SIZE_MAX)

    @property
    def max(self):
        if has_app_context():
            return current_app.config.get("API_PAGE_SIZE_MAX", self._fallback_max)
        return self._fallback_max

    @max.setter
    def max(self, value):
        self._fallback_max = value


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the API's pagination defaults."""

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": DEFAULT_PAGE_SIZE, "max_page_size": DEFAULT_PAGE_SIZE_MAX}

    def paginate(self, pager=None, *, page=None, page_size=None):
        """``@blp.paginate``, with the maximum page size taken from API_PAGE_SIZE_MAX."""
        decorate = super().paginate(pager, page=page, page_size=page_size)

        def decorator(func):
            wrapper = decorate(func)
            # The schema class flask-smorest made for this view: parsing and the document use it.
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            schema._declared_fields["page"].validators = [ma.validate.Range(min=1, max=PAGE_MAX)]
            schema._declared_fields["page_size"].validators = [PageSizeRange()]
            return wrapper

        return decorator

    def _document_pagination_metadata(self, spec, resp_doc):
        # The header's value is a JSON object: OpenAPI says so with `content`. flask-smorest's
        # `schema` alone would mean the "simple" style (`total,3,page,1`), not what is sent.
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Pagination metadata, a JSON object.",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }


class SelectPage(Page):
    """Pages a SQLAlchemy select: one COUNT query, then one LIMIT/OFFSET query.

    Eager-loading options on the select (selectinload) still apply to the page's rows.
    """

    collection: Select

    @property
    def item_count(self) -> int:
        counted = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session.scalar(counted)

    @property
    def items(self) -> list:
        params = self.page_params
        return list(db.session.scalars(self.collection.limit(params.page_size).offset(params.first_item)))
