"""marshmallow schemas of the votes API (and of the websocket's vote payload).

Fractions travel as strings such as "2/3"; times as ISO 8601 with their offset (UTC in
answers). A vote's `choice` is the engine's JSON shape per method (docs/votes.md).
"""

from __future__ import annotations

import re
from fractions import Fraction

import marshmallow as ma
from marshmallow import fields, validate

from app.api.schemas import Id, Number, UtcDateTime
from app.api.schemas import enum_values as _values
from app.governance.models import LevelCode, MajorityBase, Method, Secrecy
from app.votes.models import BallotState, SubjectKind, Visibility

FRACTION_RE = re.compile(r"^([1-9][0-9]{0,5})/([1-9][0-9]{0,5})$")




class FractionField(fields.Field):
    """"2/3" <-> Fraction(2, 3); greater than 0 and at most 1."""

    default_error_messages = {"invalid": "A fraction such as \"2/3\", greater than 0 and at most 1."}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value.numerator}/{value.denominator}"

    def _deserialize(self, value, attr, data, **kwargs):
        match = FRACTION_RE.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.make_error("invalid")
        fraction = Fraction(int(match.group(1)), int(match.group(2)))
        if not 0 < fraction <= 1:
            raise self.make_error("invalid")
        return fraction


class OptionSchema(ma.Schema):
    id = fields.Integer()
    position = fields.Integer()
    label = fields.String()


class MajoritySchema(ma.Schema):
    threshold = FractionField(attribute="majority", metadata={"type": "string", "example": "2/3"})
    strict = fields.Boolean(attribute="majority_strict",
                            metadata={"description": "true: more than the threshold; false: at least."})
    base = fields.String(attribute="majority_base", metadata={"enum": _values(MajorityBase)})


class BallotSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    question = fields.String()
    subject_kind = fields.String(metadata={"enum": _values(SubjectKind)})
    subject_id = fields.Integer(allow_none=True)
    context = fields.String(allow_none=True, metadata={"description": "The sitting the ballot belongs to (proxies)."})
    level = fields.Function(lambda ballot: ballot.level.code, metadata={"type": "string", "enum": _values(LevelCode)})
    method = fields.String(metadata={"enum": _values(Method)})
    secrecy = fields.String(metadata={"enum": _values(Secrecy)})
    visibility = fields.String(metadata={"enum": _values(Visibility)})
    changeable = fields.Boolean()
    seats = fields.Integer()
    majority = fields.Function(lambda ballot: MajoritySchema().dump(ballot), metadata={"type": "object"})
    quorum = FractionField(allow_none=True, metadata={"type": "string", "nullable": True,
                                                      "description": "Share of the electorate that must take part."})
    state = fields.String(metadata={"enum": _values(BallotState)})
    options = fields.List(fields.Nested(OptionSchema))
    opens_at = fields.AwareDateTime(allow_none=True)
    closes_at = fields.AwareDateTime(allow_none=True)
    opened_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    result_fingerprint = fields.String(allow_none=True)


class BallotQuerySchema(ma.Schema):
    state = fields.String(validate=validate.OneOf(_values(BallotState)),
                          metadata={"description": "Only ballots in this state."})


class BallotCreateSchema(ma.Schema):
    """The same fields as the creation page; omitted rules come from the level."""

    title = fields.String(required=True, metadata={"description": "1 to 300 characters."})
    question = fields.String(load_default="", validate=validate.Length(max=5000))
    level = fields.String(required=True, validate=validate.OneOf(_values(LevelCode)))
    subject_kind = fields.String(load_default=SubjectKind.QUESTION.value, validate=validate.OneOf(_values(SubjectKind)))
    subject_id = Id(load_default=None, allow_none=True)
    method = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(_values(Method)),
                           metadata={"description": "Default: the level's method."})
    secrecy = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(_values(Secrecy)),
                            metadata={"description": "Default: the level's secrecy."})
    visibility = fields.String(load_default=Visibility.AFTER_CLOSE.value, validate=validate.OneOf(_values(Visibility)))
    changeable = fields.Boolean(load_default=False)
    options = fields.List(fields.String(), load_default=list, validate=validate.Length(max=200),
                          metadata={"description": "Labels; required (at least two) except for yes_no and consent."})
    # Never more seats than options (at most 200): a larger number would overflow the column.
    seats = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=200))
    opens_at = UtcDateTime(load_default=None, allow_none=True)
    closes_at = UtcDateTime(load_default=None, allow_none=True)
    context = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    majority = FractionField(load_default=None, allow_none=True, metadata={"type": "string", "example": "2/3",
                                                                           "description": "Default: the level's."})
    majority_strict = fields.Boolean(load_default=None, allow_none=True)
    majority_base = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(_values(MajorityBase)))
    quorum = FractionField(allow_none=True, metadata={
        "type": "string", "nullable": True,
        "description": "Omitted: the level's quorum; null: no quorum; \"1/4\": a quarter of the electorate."})


class CloseSchema(ma.Schema):
    present_or_represented = Number(
        load_default=None, allow_none=True, strict=True,
        metadata={"description": "For a meeting: members present or represented (base of quorum and majority)."})


class CancelSchema(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class VoteSchema(ma.Schema):
    choice = fields.Dict(required=True, metadata={
        "description": "Per method: {\"choice\": \"for\"}, {\"choice\": \"objection\", \"reason\": \"…\"}, "
        "{\"grades\": {\"<option id>\": 0..6}}, {\"ranking\": [[id], [id, id]]}, {\"chosen\": [id, …]}."})
    key = fields.String(required=True, metadata={
        "description": "Idempotency key chosen by the client, 16 to 128 of A-Z a-z 0-9 - _: sending the same "
        "key again returns the same receipt and counts nothing more."})
    on_behalf_of = Id(load_default=None, allow_none=True, strict=True,
                                  metadata={"description": "The grantor's member id, when voting as proxy holder."})


class SocketVoteSchema(VoteSchema):
    ballot = Id(required=True, strict=True)


class ReceiptSchema(ma.Schema):
    ballot_id = fields.Integer()
    receipt = fields.String(attribute="code", metadata={"description": "Find it in the ballot box once published."})
    repeated = fields.Boolean(metadata={"description": "The same submission (key) arrived before: nothing new."})
    replaced = fields.Boolean(metadata={"description": "A named, changeable vote was changed."})


class TurnoutSchema(ma.Schema):
    ballot_id = fields.Integer()
    state = fields.String(metadata={"enum": _values(BallotState)})
    electorate = fields.Integer(metadata={"description": "Electors snapshotted when the ballot opened."})
    voted = fields.Integer()


class ResultSchema(ma.Schema):
    ballot_id = fields.Integer()
    state = fields.String(metadata={"enum": _values(BallotState)})
    final = fields.Boolean(metadata={"description": "false: the running tally of a live ballot still open."})
    result = fields.Dict(metadata={"description": "The tally, per method (docs/votes.md)."})
    result_fingerprint = fields.String(allow_none=True)


class BoxEntrySchema(ma.Schema):
    receipt = fields.String()
    vote = fields.Dict()


class BoxSchema(ma.Schema):
    ballot_id = fields.Integer()
    method = fields.String(metadata={"enum": _values(Method)})
    seats = fields.Integer()
    options = fields.List(fields.Nested(OptionSchema))
    result_fingerprint = fields.String()
    votes = fields.List(fields.Nested(BoxEntrySchema), metadata={"description": "Sorted by receipt."})


class ProxySchema(ma.Schema):
    id = fields.Integer()
    context = fields.String()
    grantor_id = fields.Integer()
    grantor_name = fields.Function(lambda proxy: proxy.grantor.full_name)
    holder_id = fields.Integer(allow_none=True, metadata={"description": "null: a blank proxy."})
    holder_name = fields.Function(lambda proxy: proxy.holder.full_name if proxy.holder else None)
    document = fields.String()
    created_at = fields.AwareDateTime()


class ProxyCreateSchema(ma.Schema):
    context = fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = fields.String(required=True, validate=validate.OneOf(_values(LevelCode)),
                          metadata={"description": "The level of the sitting: its electorate is checked."})
    day = fields.Date(load_default=None, allow_none=True,
                      metadata={"description": "Date of the sitting; default today."})
    grantor_id = Id(required=True, strict=True)
    holder_id = Id(required=True, allow_none=True, strict=True,
                   metadata={"description": "null: a blank proxy (no holder named)."})
    document = fields.String(load_default="", validate=validate.Length(max=2000))


class ProxyQuerySchema(ma.Schema):
    context = fields.String(required=True, validate=validate.Length(min=1, max=64))
