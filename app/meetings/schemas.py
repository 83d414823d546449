"""Marshmallow schemas of the meetings' API resources."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.api.schemas import MemberRefSchema, enum_values
from app.meetings.models import CheckinMode, ItemKind, MeetingKind, Reply, SessionState, Stance


class DocumentSchema(ma.Schema):
    title = fields.String()
    url = fields.String()


class ItemSchema(ma.Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String(metadata={"enum": enum_values(ItemKind)})
    title = fields.String()
    description = fields.String()
    proposal_id = fields.Integer(allow_none=True)
    duration_minutes = fields.Integer(allow_none=True)
    debate_state = fields.String()
    documents = fields.List(fields.Nested(DocumentSchema))
    ballot_ids = fields.Method("ballots", metadata={"type": "array", "items": {"type": "integer"}})

    def ballots(self, item) -> list[int]:
        return [link.ballot_id for link in item.ballots]


class MeetingSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": enum_values(MeetingKind)})
    level = fields.Function(lambda m: m.level.code)
    title = fields.String()
    starts_at = fields.DateTime(metadata={"description": "UTC."})
    ends_at = fields.DateTime(metadata={"description": "UTC."})
    place = fields.String()
    remote_link = fields.String()
    session_state = fields.String(metadata={"enum": enum_values(SessionState)})
    facilitators = fields.List(fields.Nested(MemberRefSchema))
    secretary = fields.Nested(MemberRefSchema, allow_none=True)
    convened_at = fields.DateTime(allow_none=True)


class MeetingDetailSchema(MeetingSchema):
    items = fields.List(fields.Nested(ItemSchema))


class ReplySchema(ma.Schema):
    reply = fields.String(required=True, validate=validate.OneOf(enum_values(Reply)))


class CheckinSchema(ma.Schema):
    code = fields.String(required=True, validate=validate.Length(max=32),
                         metadata={"description": "The code shown on the projector (dashes and case ignored)."})
    mode = fields.String(load_default="on_site", validate=validate.OneOf(enum_values(CheckinMode)))


class HandSchema(ma.Schema):
    stance = fields.String(required=True, validate=validate.OneOf(enum_values(Stance)))


class AttendanceSchema(ma.Schema):
    member_id = fields.Integer()
    reply = fields.String(allow_none=True)
    checkin_mode = fields.String(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)


class HistoryLineSchema(ma.Schema):
    meeting_id = fields.Function(lambda line: line.meeting.id)
    title = fields.Function(lambda line: line.meeting.title)
    kind = fields.Function(lambda line: line.meeting.kind)
    starts_at = fields.Function(lambda line: line.meeting.starts_at.isoformat())
    reply = fields.String(allow_none=True)
    outcome = fields.String(metadata={"enum": ["on_site", "remote", "excused", "absent", "upcoming"]})


class HistorySchema(ma.Schema):
    absences = fields.Integer(metadata={"description": "Absences from seminars, excused ones included."})
    unexcused = fields.Integer()
    lines = fields.List(fields.Nested(HistoryLineSchema))


class StateSchema(ma.Schema):
    """The live state: the same as the room's snapshot (docs/meetings.md)."""

    class Meta:
        unknown = ma.INCLUDE

    meeting = fields.Integer()
    version = fields.Integer()
    session = fields.String()
    item = fields.Dict(allow_none=True)
    speaking = fields.Dict(allow_none=True)
    remaining = fields.Integer(allow_none=True)
    queue = fields.List(fields.Dict())
    present = fields.Dict()
    ballot = fields.Dict(allow_none=True)
    me = fields.Dict()
