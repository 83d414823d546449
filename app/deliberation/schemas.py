"""marshmallow schemas of the deliberation API (what goes in and out; the rules are the services')."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.api.schemas import Id, IdLabelSchema, MemberRefSchema, Number, UtcDateTime
from app.deliberation.models import AmendmentStatus, FollowUpStatus, Opinion, Outcome, ProposalState, Stance

STATES = [state.value for state in ProposalState]
STANCES = [stance.value for stance in Stance]
OPINIONS = [opinion.value for opinion in Opinion]
OUTCOMES = [outcome.value for outcome in Outcome]
FOLLOW_UPS = [status.value for status in FollowUpStatus]
ACTIONS = ["open", "prepare", "debate", "withdraw", "start_vote", "escalate"]


class RefSchema(ma.Schema):
    id = fields.Integer()
    code = fields.String()






class ProposalSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String(metadata={"description": "Markdown source of the current revision."})
    body_html = fields.String(metadata={"description": "The body rendered as sanitised HTML."})
    revision_number = fields.Integer(metadata={"description": "Send it back as `base_revision` when editing."})
    state = fields.String(metadata={"enum": STATES})
    level = fields.Nested(RefSchema)
    matter = fields.Nested(RefSchema)
    created_by = fields.Nested(MemberRefSchema)
    coauthors = fields.List(fields.Nested(MemberRefSchema))
    themes = fields.List(fields.Nested(IdLabelSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    opened_at = fields.DateTime(allow_none=True)
    decision_opens_at = fields.DateTime(allow_none=True, metadata={"description": "Online decision window (UTC)."})
    decision_closes_at = fields.DateTime(allow_none=True)
    meeting_ref = fields.String(allow_none=True)


class ProposalDetailSchema(ProposalSchema):
    sense_checks = fields.Dict(keys=fields.String(), values=fields.Integer(),
                               metadata={"description": "Count of current sense checks per opinion."})
    allowed_states = fields.List(fields.String(), metadata={"description": "States it may go to from here."})


class ProposalQuerySchema(ma.Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    level_id = Id()
    matter_id = Id()
    theme_id = Id()
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Words (French full-text)."})


class ProposalCreateSchema(ma.Schema):
    title = fields.String(required=True)
    summary = fields.String(load_default="")
    body = fields.String(required=True)
    matter_id = Id(required=True)
    level_id = Id(load_default=None, allow_none=True,
                  metadata={"description": "Where it is debated; default: the matter's level."})
    theme_ids = fields.List(Id(), load_default=list)
    coauthor_ids = fields.List(Id(), load_default=list)


class ProposalEditSchema(ma.Schema):
    base_revision = Number(required=True, metadata={
        "description": "The revision the edit started from; a newer one gives 409 with the current text."})
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    note = fields.String(load_default="")
    matter_id = Id()
    level_id = Id()
    theme_ids = fields.List(Id())
    coauthor_ids = fields.List(Id())


class RevisionSchema(ma.Schema):
    number = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    author_id = fields.Integer()
    note = fields.String()
    amendment_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class CompareQuerySchema(ma.Schema):
    from_ = Id(required=True, data_key="from")
    to = Id(required=True)


class CompareSchema(ma.Schema):
    from_ = fields.Integer(data_key="from")
    to = fields.Integer()
    title = fields.String(metadata={"description": "Word diff as HTML with <del>/<ins>."})
    summary = fields.String()
    body = fields.String()


class TransitionSchema(ma.Schema):
    id = fields.Integer()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    from_level_id = fields.Integer(allow_none=True)
    to_level_id = fields.Integer()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "None: automatic."})
    reason = fields.String()
    created_at = fields.DateTime()


class TransitionRequestSchema(ma.Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(load_default="")


class ScheduleSchema(ma.Schema):
    opens_at = UtcDateTime(metadata={"description": "Level 1: opening of the window, with its offset."})
    closes_at = UtcDateTime()
    meeting_ref = fields.String(metadata={"description": "Levels 2 to 4: the meeting that decides."})
    reason = fields.String(load_default="")


class PetitionSchema(ma.Schema):
    requests = fields.Integer()
    electorate = fields.Integer()
    threshold = fields.Integer()
    level_id = fields.Integer()


class CommentSchema(ma.Schema):
    id = fields.Integer()
    proposal_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    author = fields.Nested(MemberRefSchema)
    stance = fields.String(metadata={"enum": STANCES})
    body = fields.Method("visible_body", metadata={"type": "string", "nullable": True})
    body_html = fields.Method("visible_html", metadata={"type": "string", "nullable": True})
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)

    def visible_body(self, comment):
        return None if comment.withdrawn_at else comment.body  # a withdrawn text is no longer shown

    def visible_html(self, comment):
        return None if comment.withdrawn_at else comment.body_html


class CommentCreateSchema(ma.Schema):
    body = fields.String(required=True)
    stance = fields.String(required=True)
    parent_id = Id(load_default=None, allow_none=True)


class CommentEditSchema(ma.Schema):
    body = fields.String(required=True)
    stance = fields.String(load_default=None)


class CommentEditHistorySchema(ma.Schema):
    stance = fields.String()
    body = fields.String()
    written_at = fields.DateTime()
    replaced_at = fields.DateTime()


class SenseCheckSchema(ma.Schema):
    opinion = fields.String(metadata={"enum": OPINIONS})
    reason = fields.String()
    updated_at = fields.DateTime()


class SenseCheckInputSchema(ma.Schema):
    opinion = fields.String(required=True)
    reason = fields.String(load_default="")


class SenseCountsSchema(ma.Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    mine = fields.Nested(SenseCheckSchema, allow_none=True)


class AmendmentSectionSchema(ma.Schema):
    heading = fields.String(attribute="section_heading")
    occurrence = fields.Integer(attribute="section_occurrence",
                                metadata={"description": "Which of the headings with this text (1: the first)."})


class AmendmentSchema(ma.Schema):
    id = fields.Integer()
    proposal_id = fields.Integer()
    author = fields.Nested(MemberRefSchema)
    base_revision_number = fields.Integer()
    section = fields.Method("amended_section", metadata={
        "type": "object", "nullable": True,
        "description": "The amended section as in the base revision ({heading, occurrence}); null: the whole body."})
    body = fields.String()
    rationale = fields.String()
    diff_html = fields.String()
    status = fields.String(metadata={"enum": [status.value for status in AmendmentStatus]})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String()
    put_to_vote = fields.Method("to_vote", metadata={"type": "boolean"})

    def to_vote(self, amendment) -> bool:
        return amendment.put_to_vote_at is not None

    def amended_section(self, amendment):
        return AmendmentSectionSchema().dump(amendment) if amendment.is_section else None


class AmendmentCreateSchema(ma.Schema):
    body = fields.String(required=True)
    rationale = fields.String(load_default="")
    base_revision = Number(load_default=None, allow_none=True)
    # Position of the heading in the body of the current revision (1: the first ATX heading,
    # outside code blocks); absent, null or 0: the body replaces the whole text.
    section = Number(load_default=None, allow_none=True, strict=True, metadata={
        "description": "Amend one section: the position of its heading in the current body (1: the first "
                       "Markdown heading); absent, null or 0: the whole body."})


class AmendmentDecisionSchema(ma.Schema):
    action = fields.String(required=True, validate=validate.OneOf(["accept", "decline", "withdraw", "vote",
                                                                   "not_vote"]))
    reason = fields.String(load_default="")


class DecisionInputSchema(ma.Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    source = fields.String(required=True)
    decided_on = fields.Date(required=True)
    text = fields.String(load_default=None, allow_none=True)


class DecisionRecordSchema(ma.Schema):
    id = fields.Integer()
    proposal_id = fields.Integer()
    title = fields.Function(lambda record: record.proposal.title)
    level = fields.Nested(RefSchema)
    matter = fields.Function(lambda record: {"id": record.proposal.matter.id, "code": record.proposal.matter.code})
    themes = fields.Function(lambda record: [theme.label for theme in record.proposal.themes])
    outcome = fields.String(metadata={"enum": OUTCOMES})
    decided_on = fields.Date()
    text = fields.String()
    source = fields.String()
    responsible = fields.Nested(MemberRefSchema, allow_none=True)
    due_on = fields.Date(allow_none=True)
    follow_up_status = fields.String(metadata={"enum": FOLLOW_UPS})
    follow_up_note = fields.String()
    recorded_at = fields.DateTime()


class RegisterQuerySchema(ma.Schema):
    level_id = Id()
    theme_id = Id()
    matter_id = Id()
    status = fields.String(validate=validate.OneOf(FOLLOW_UPS))
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    decided_from = fields.Date()
    decided_to = fields.Date()
    q = fields.String(validate=validate.Length(max=200))


class FollowUpSchema(ma.Schema):
    responsible_id = Id(allow_none=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String()
    note = fields.String()


class SearchHitSchema(ma.Schema):
    kind = fields.String(metadata={"enum": ["proposal", "comment"]})
    proposal_id = fields.Function(lambda hit: hit.proposal.id)
    title = fields.Function(lambda hit: hit.proposal.title)
    comment_id = fields.Function(lambda hit: hit.comment.id if hit.comment else None)
    excerpt = fields.Function(lambda hit: (hit.comment.body if hit.comment else hit.proposal.summary)[:300])
    score = fields.Integer()


class SearchQuerySchema(ma.Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
