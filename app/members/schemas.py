"""marshmallow schemas of the members API. Never a password hash or a token hash."""

from __future__ import annotations

import re

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from app.members.models import MemberStatus, RoleKind
from app.timeutil import local_today

STATUS_VALUES = [status.value for status in MemberStatus]
ROLE_VALUES = [kind.value for kind in RoleKind]
LABEL_MAX = 120  # the column size of skills.label and themes.label
LABELS_MAX = 100


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


def _no_control_characters(value: str) -> None:
    # PostgreSQL refuses NUL in text (a 500, not a message), and no one types the others.
    if _CONTROL.search(value):
        raise ma.ValidationError(_("Control characters are not allowed."))


def _one_line(value: str) -> None:
    _no_control_characters(value)
    if _LINE_BREAK.search(value):
        raise ma.ValidationError(_("Must fit on one line, without tabs."))


class Text(fields.String):
    """Free text: any characters but control ones (line breaks and tabs allowed)."""

    check = staticmethod(_no_control_characters)

    def __init__(self, *, validate=None, **kwargs):
        extra = list(validate) if isinstance(validate, (list, tuple)) else [validate] if validate else []
        super().__init__(validate=[self.check, *extra], **kwargs)


class OneLine(Text):
    """A name or a label: text on a single line."""

    check = staticmethod(_one_line)


class RoleSchema(ma.Schema):
    kind = fields.String(metadata={"enum": ROLE_VALUES})
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    tutee_id = fields.Integer(
        allow_none=True, metadata={"description": "For a tutor: the newcomer they follow."}
    )


class LabelSchema(ma.Schema):
    label = fields.String()


class RolesToday(fields.Nested):
    """The member's roles current today (their history is not part of the directory)."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return obj.roles_on(local_today())


class MemberSchema(ma.Schema):
    """A member as the directory shows them, with status and roles as of today."""

    id = fields.Integer()
    full_name = fields.String()
    email = fields.Email()
    status = fields.Method(
        "current_status",
        metadata={"type": "string", "enum": STATUS_VALUES, "nullable": True,
                  "description": "Status today (cape, es, esa, external_associate, former)."},
    )
    roles = RolesToday(RoleSchema, many=True, metadata={"description": "Roles held today."})
    shares = fields.Integer(metadata={"description": "Shares held (parts sociales)."})
    skills = fields.Pluck(LabelSchema, "label", many=True)
    themes = fields.Pluck(LabelSchema, "label", many=True)
    bio = fields.String()

    def current_status(self, member) -> str | None:
        status = member.status_on(local_today())
        return status.value if status else None


class MeSchema(MemberSchema):
    """The signed-in member: the directory view plus their own preferences."""

    language = fields.String(
        allow_none=True, metadata={"description": "Interface language (fr, en); null: the browser's."}
    )


def _label_list(name: str):
    return fields.List(
        OneLine(validate=validate.Length(min=1, max=LABEL_MAX)),
        validate=validate.Length(max=LABELS_MAX),
        metadata={"description": f"The whole list of {name}, replacing the current one; at most "
                                 f"{LABELS_MAX} labels of {LABEL_MAX} characters."},
    )


class ProfileUpdateSchema(ma.Schema):
    """PATCH /members/me: only the fields sent change; the service checks the values."""

    full_name = OneLine(metadata={"description": "1 to 200 characters."})
    bio = Text(metadata={"description": "At most 5000 characters."})
    language = fields.String(
        allow_none=True, metadata={"description": "fr, en, or null (or \"\") for the browser's language."}
    )
    skills = _label_list("skills")
    themes = _label_list("themes")


class MemberQuerySchema(ma.Schema):
    q = OneLine(validate=validate.Length(max=200), metadata={"description": "Part of the name or e-mail address."})
    status = fields.String(
        validate=validate.OneOf(STATUS_VALUES), metadata={"description": "Only members with this status today."}
    )


class TokenSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The first characters of the token, to recognise it."})
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(
        metadata={"description": "The secret, shown this once: only its hash is stored."}
    )


class TokenCreateSchema(ma.Schema):
    name = OneLine(required=True, metadata={"description": "What the token is for, 1 to 100 characters."})
