"""Marshmallow schemas of the workgroups' API resources."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.api.schemas import Id, IdLabelSchema, MemberRefSchema, Number, enum_values
from app.workgroups.models import Recommendation, WorkgroupRole, WorkgroupStatus


class WorkgroupMembershipSchema(ma.Schema):
    member = fields.Nested(MemberRefSchema)
    role = fields.String(metadata={"enum": enum_values(WorkgroupRole)})
    joined_at = fields.DateTime()




class WorkgroupMandateSchema(ma.Schema):
    question = fields.String()
    expected_output = fields.String()
    due_on = fields.Date()
    reports_to_level_id = fields.Integer()


class WorkgroupSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String(metadata={"enum": enum_values(WorkgroupStatus)})
    origin = fields.String(metadata={"enum": ["decision", "initiative"]})
    origin_level_id = fields.Integer(allow_none=True)
    origin_reference = fields.String()
    open_membership = fields.Boolean()
    mandate = fields.Method("_mandate", metadata={"type": "object"})
    themes = fields.List(fields.Nested(IdLabelSchema))
    skills = fields.List(fields.Nested(IdLabelSchema))
    memberships = fields.List(fields.Nested(WorkgroupMembershipSchema))
    notes_revision = fields.Integer()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)

    def _mandate(self, workgroup) -> dict:
        return WorkgroupMandateSchema().dump(workgroup)


class CreateWorkgroupSchema(ma.Schema):
    origin = fields.String(required=True, validate=validate.OneOf(["decision", "initiative"]))
    name = fields.String(required=True)
    question = fields.String(required=True)
    expected_output = fields.String(load_default="")
    due_on = fields.Date(required=True)
    reports_to_level_id = Id(required=True)
    theme_ids = fields.List(Id(), load_default=list)
    skill_ids = fields.List(Id(), load_default=list)
    open_membership = fields.Boolean(load_default=True)
    # For a level's decision only:
    decided_by_level_id = Id(load_default=None)
    decision_reference = fields.String(load_default="")
    facilitator_ids = fields.List(Id(), load_default=list)
    member_ids = fields.List(Id(), load_default=list)


class WorkgroupInviteSchema(ma.Schema):
    member_id = Id(required=True)
    role = fields.String(load_default="member", validate=validate.OneOf(enum_values(WorkgroupRole)))


class WorkgroupMessageSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    author = fields.Nested(MemberRefSchema, dump_only=True)
    body = fields.String(required=True)
    body_html = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class WorkgroupNotesSchema(ma.Schema):
    body = fields.String(required=True)
    base_revision = Number(required=True, metadata={"description": "The revision the edit started from."})


class WorkgroupNotesStateSchema(ma.Schema):
    revision = fields.Integer()
    body = fields.String()


class WorkgroupMeetingSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    held_on = fields.Date(required=True)
    attendee_ids = fields.List(Id(), load_only=True, required=True)
    attendees = fields.List(fields.Nested(MemberRefSchema), dump_only=True)
    notes = fields.String(load_default="")


class WorkgroupReportSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    workgroup_id = fields.Integer(dump_only=True)
    proposal_id = Id(allow_none=True, load_default=None)
    recommendation = fields.String(required=True, metadata={"enum": enum_values(Recommendation)})
    body = fields.String(required=True)
    body_html = fields.String(dump_only=True)
    to_level_id = Id(allow_none=True, load_default=None)
    author = fields.Nested(MemberRefSchema, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class WorkgroupSendProposalSchema(ma.Schema):
    proposal_id = Id(required=True)
    reason = fields.String(load_default="")


class WorkgroupHoldingSchema(ma.Schema):
    id = fields.Integer()
    workgroup_id = fields.Integer()
    proposal_id = fields.Integer()
    kind = fields.String()
    sent_at = fields.DateTime()
    returned_at = fields.DateTime(allow_none=True)


class WorkgroupSuggestionSchema(ma.Schema):
    member_id = fields.Function(lambda s: s.candidate.id)
    full_name = fields.Function(lambda s: s.candidate.name)
    score = fields.Float()
    reasons = fields.Function(lambda s: [{"kind": r.kind, "value": r.value} for r in s.reasons],
                              metadata={"type": "array", "items": {"type": "object"}})
