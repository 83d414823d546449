"""Schema pieces every domain's API shares: references to members and labels, enum lists."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


def enum_values(enum_cls) -> list[str]:
    """The values of a string enum, for the `enum` of a field in the OpenAPI document."""
    return [item.value for item in enum_cls]


class MemberRefSchema(ma.Schema):
    """A member as other resources name them: never more than the id and the name."""

    id = fields.Integer()
    full_name = fields.String()


class IdLabelSchema(ma.Schema):
    """A theme or a skill."""

    id = fields.Integer()
    label = fields.String()
