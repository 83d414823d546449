"""Schema pieces every domain's API shares: references to members and labels, enum lists, ids."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

# The largest key of the 32-bit id columns (app.api.pagination.ID bounds the path ids alike).
ID_MAX = 2_147_483_647


def enum_values(enum_cls) -> list[str]:
    """The values of a string enum, for the `enum` of a field in the OpenAPI document."""
    return [item.value for item in enum_cls]


class Number(fields.Integer):
    """A whole number the client sends (a revision, a position, a count): 0 to ID_MAX.

    Bounded like the columns, so a larger number is a 422 naming the field rather than an
    overflow inside the database driver (a 500); the bounds also appear in the document.
    """

    minimum = 0

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=self.minimum, max=ID_MAX), **kwargs)


class Id(Number):
    """An id the client sends: 1 to ID_MAX."""

    minimum = 1


class UtcDateTime(fields.AwareDateTime):
    """A date-time with its offset, read as the same instant in UTC, as it is stored.

    One that falls outside years 1 to 9999 once in UTC ("9999-12-31T23:00:00-05:00") is a
    422 here, not an overflow when the database column converts it (a 500).
    """

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


class MemberRefSchema(ma.Schema):
    """A member as other resources name them: never more than the id and the name."""

    id = fields.Integer()
    full_name = fields.String()


class IdLabelSchema(ma.Schema):
    """A theme or a skill."""

    id = fields.Integer()
    label = fields.String()
