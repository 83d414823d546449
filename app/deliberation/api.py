"""REST resources of deliberation: the same services as the pages, JSON in and out.

Errors follow the API's one shape ({"code", "status", "message", "errors"}); a stale edit
is a 409 whose ``errors`` carry the current revision and text (current_revision,
current_title, current_summary, current_body).
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import policy
from app.api import ID, Blueprint, SelectPage, current_member
from app.deliberation import diff, search, services
from app.deliberation.models import Amendment, Comment, Transition
from app.deliberation.schemas import (
    AmendmentCreateSchema,
    AmendmentDecisionSchema,
    AmendmentSchema,
    CommentCreateSchema,
    CommentEditHistorySchema,
    CommentEditSchema,
    CommentSchema,
    CompareQuerySchema,
    CompareSchema,
    DecisionInputSchema,
    DecisionRecordSchema,
    FollowUpSchema,
    PetitionSchema,
    ProposalCreateSchema,
    ProposalDetailSchema,
    ProposalEditSchema,
    ProposalQuerySchema,
    ProposalSchema,
    RegisterQuerySchema,
    RevisionSchema,
    ScheduleSchema,
    SearchHitSchema,
    SearchQuerySchema,
    SenseCheckInputSchema,
    SenseCountsSchema,
    TransitionRequestSchema,
    TransitionSchema,
)
from app.errors import InvalidInput
from app.extensions import db
from app.governance.models import LevelCode

blp = Blueprint("deliberation_api", __name__, description="Proposals, debate, amendments and the decision register")


def _visible(proposal_id: int):
    proposal = services.load(proposal_id)
    policy.require(current_member(), "proposals.view", proposal)
    return proposal


def _detail(proposal):
    proposal.sense_checks = services.sense_counts(proposal.id)
    proposal.allowed_states = [state.value for state in services.allowed_from(proposal.state_enum)]
    return proposal


# --- proposals ---------------------------------------------------------------------------------


@blp.route("/proposals")
class Proposals(MethodView):
    @blp.arguments(ProposalQuerySchema, location="query")
    @blp.response(200, ProposalSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args):
        """Proposals I may see (drafts: only mine), most recently changed first."""
        return services.list_query(current_member(), state=args.get("state"), level_id=args.get("level_id"),
                                   theme_id=args.get("theme_id"), matter_id=args.get("matter_id"),
                                   text=args.get("q"))

    @blp.arguments(ProposalCreateSchema)
    @blp.response(201, ProposalDetailSchema)
    def post(self, data):
        """Draft a proposal (revision 1); open it for debate with a transition `open`."""
        return _detail(services.create_proposal(current_member(), **data))


@blp.route(f"/proposals/<{ID}:proposal_id>")
class ProposalById(MethodView):
    @blp.response(200, ProposalDetailSchema)
    def get(self, proposal_id: int):
        """One proposal with its sense-check counts and the states allowed from here."""
        return _detail(_visible(proposal_id))

    @blp.arguments(ProposalEditSchema)
    @blp.response(200, ProposalDetailSchema)
    def patch(self, data, proposal_id: int):
        """Edit, starting from `base_revision`; a changed text makes a new revision.

        409 if another revision was saved since: `errors.current_body` holds the current text.
        """
        proposal = _visible(proposal_id)
        services.edit_proposal(
            proposal, current_member(), base_revision=data["base_revision"],
            title=data.get("title", proposal.title), summary=data.get("summary", proposal.summary),
            body=data.get("body", proposal.body), note=data.get("note", ""), matter_id=data.get("matter_id"),
            level_id=data.get("level_id"), theme_ids=data.get("theme_ids"), coauthor_ids=data.get("coauthor_ids"),
        )
        return _detail(proposal)


@blp.route(f"/proposals/<{ID}:proposal_id>/revisions")
class Revisions(MethodView):
    @blp.response(200, RevisionSchema(many=True))
    def get(self, proposal_id: int):
        """Every revision of the text, oldest first."""
        return _visible(proposal_id).revisions


@blp.route(f"/proposals/<{ID}:proposal_id>/revisions/<{ID}:number>")
class RevisionByNumber(MethodView):
    @blp.response(200, RevisionSchema)
    def get(self, proposal_id: int, number: int):
        return services.revision(_visible(proposal_id), number)


@blp.route(f"/proposals/<{ID}:proposal_id>/compare")
class Compare(MethodView):
    @blp.arguments(CompareQuerySchema, location="query")
    @blp.response(200, CompareSchema)
    def get(self, args, proposal_id: int):
        """Word-level comparison of two revisions (HTML with <del> and <ins>)."""
        proposal = _visible(proposal_id)
        before, after = services.revision(proposal, args["from_"]), services.revision(proposal, args["to"])
        return {"from_": before.number, "to": after.number, "title": str(diff.word_diff(before.title, after.title)),
                "summary": str(diff.word_diff(before.summary, after.summary)),
                "body": str(diff.word_diff(before.body, after.body))}


# --- transitions, scheduling, escalation ------------------------------------------------------

ACTIONS = {
    "open": services.open_for_debate,
    "prepare": services.send_to_preparation,
    "debate": services.back_to_debate,
    "withdraw": services.withdraw,
    "start_vote": services.start_vote,
    "escalate": services.escalate,
}


@blp.route(f"/proposals/<{ID}:proposal_id>/transitions")
class Transitions(MethodView):
    @blp.response(200, TransitionSchema(many=True))
    def get(self, proposal_id: int):
        """The recorded history: every move, who (null: automatic), when, why."""
        proposal = _visible(proposal_id)
        return db.session.scalars(select(Transition).where(Transition.proposal_id == proposal.id)
                                  .order_by(Transition.id)).all()

    @blp.arguments(TransitionRequestSchema)
    @blp.response(200, ProposalDetailSchema)
    def post(self, data, proposal_id: int):
        """Move the proposal: open, prepare, debate, withdraw (reason required), start_vote, escalate.

        An illegal move is a 409 whose message says what is allowed from here.
        """
        proposal = _visible(proposal_id)
        ACTIONS[data["action"]](proposal, current_member(), data["reason"])
        return _detail(proposal)


@blp.route(f"/proposals/<{ID}:proposal_id>/schedule")
class Schedule(MethodView):
    @blp.arguments(ScheduleSchema)
    @blp.response(200, ProposalDetailSchema)
    def post(self, data, proposal_id: int):
        """Schedule for decision: a window (`opens_at`, `closes_at`) at level 1, a `meeting_ref` above.

        Refused (422, `errors.level`) below the lowest level the matter allows.
        """
        proposal = _visible(proposal_id)
        if proposal.level.code == LevelCode.ONLINE:
            missing = {name: [_("Required.")] for name in ("opens_at", "closes_at") if name not in data}
            if missing:
                raise InvalidInput(_("The decision window is not valid."), fields=missing)
            services.schedule_online_decision(proposal, current_member(), data["opens_at"], data["closes_at"],
                                              data["reason"])
        else:
            services.schedule_for_meeting(proposal, current_member(), data.get("meeting_ref", ""), data["reason"])
        return _detail(proposal)


@blp.route(f"/proposals/<{ID}:proposal_id>/decision")
class Decision(MethodView):
    @blp.arguments(DecisionInputSchema)
    @blp.response(201, DecisionRecordSchema)
    def post(self, data, proposal_id: int):
        """Facilitators record a meeting's or ballot's decision; it enters the register."""
        proposal = _visible(proposal_id)
        policy.require(current_member(), "proposals.facilitate", proposal)
        return services.record_decision(proposal, data["outcome"], data["source"], data["decided_on"], data["text"],
                                        actor=current_member())


@blp.route(f"/proposals/<{ID}:proposal_id>/escalation-requests")
class EscalationRequests(MethodView):
    @blp.response(200, PetitionSchema)
    def get(self, proposal_id: int):
        """Where the members' requests for a higher level stand."""
        proposal = _visible(proposal_id)
        return _petition(proposal, services.petition(proposal))

    @blp.response(200, PetitionSchema)
    def post(self, proposal_id: int):
        """Ask for a higher level; at the threshold the proposal moves up (see `level_id`)."""
        proposal = _visible(proposal_id)
        return _petition(proposal, services.request_escalation(proposal, current_member()))

    @blp.response(200, PetitionSchema)
    def delete(self, proposal_id: int):
        proposal = _visible(proposal_id)
        return _petition(proposal, services.cancel_escalation_request(proposal, current_member()))


def _petition(proposal, state):
    return {"requests": state.requests, "electorate": state.electorate, "threshold": state.threshold,
            "level_id": proposal.level_id}


# --- comments and sense checks -------------------------------------------------------------------


@blp.route(f"/proposals/<{ID}:proposal_id>/comments")
class Comments(MethodView):
    @blp.response(200, CommentSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, proposal_id: int):
        """Comments in order of writing; a withdrawn one keeps its trace, without its text."""
        proposal = _visible(proposal_id)
        return select(Comment).where(Comment.proposal_id == proposal.id).options(joinedload(Comment.author)) \
            .order_by(Comment.created_at, Comment.id)

    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentSchema)
    def post(self, data, proposal_id: int):
        """Comment with a stance (for, against, question, neutral); `parent_id` answers a first-level one."""
        proposal = _visible(proposal_id)
        return services.add_comment(proposal, current_member(), data["body"], data["stance"], data["parent_id"])


@blp.route(f"/comments/<{ID}:comment_id>")
class CommentById(MethodView):
    @blp.response(200, CommentSchema)
    def get(self, comment_id: int):
        comment = services.get_comment(comment_id)
        _visible(comment.proposal_id)
        return comment

    @blp.arguments(CommentEditSchema)
    @blp.response(200, CommentSchema)
    def patch(self, data, comment_id: int):
        """Edit my comment (someone else's: 403); the previous text goes to its history."""
        return services.edit_comment(services.get_comment(comment_id), current_member(), data["body"],
                                     data["stance"])

    @blp.response(200, CommentSchema)
    def delete(self, comment_id: int):
        """Withdraw my comment: its text is hidden, a trace stays."""
        return services.withdraw_comment(services.get_comment(comment_id), current_member())


@blp.route(f"/comments/<{ID}:comment_id>/history")
class CommentHistory(MethodView):
    @blp.response(200, CommentEditHistorySchema(many=True))
    def get(self, comment_id: int):
        return services.comment_history(services.get_comment(comment_id), current_member())


@blp.route(f"/proposals/<{ID}:proposal_id>/sense-checks")
class SenseChecks(MethodView):
    @blp.response(200, SenseCountsSchema)
    def get(self, proposal_id: int):
        """The counts per opinion, and mine."""
        proposal = _visible(proposal_id)
        return {"counts": services.sense_counts(proposal.id), "mine": services.my_sense_check(proposal,
                                                                                               current_member())}

    @blp.arguments(SenseCheckInputSchema)
    @blp.response(200, SenseCountsSchema)
    def put(self, data, proposal_id: int):
        """Give or change my sense check; a blocking objection needs a reason."""
        proposal = _visible(proposal_id)
        mine = services.give_sense_check(proposal, current_member(), data["opinion"], data["reason"])
        return {"counts": services.sense_counts(proposal.id), "mine": mine}

    @blp.response(200, SenseCountsSchema)
    def delete(self, proposal_id: int):
        proposal = _visible(proposal_id)
        services.withdraw_sense_check(proposal, current_member())
        return {"counts": services.sense_counts(proposal.id), "mine": None}


# --- amendments --------------------------------------------------------------------------------------


@blp.route(f"/proposals/<{ID}:proposal_id>/amendments")
class Amendments(MethodView):
    @blp.response(200, AmendmentSchema(many=True))
    def get(self, proposal_id: int):
        proposal = _visible(proposal_id)
        return db.session.scalars(select(Amendment).where(Amendment.proposal_id == proposal.id)
                                  .options(joinedload(Amendment.author)).order_by(Amendment.id)).all()

    @blp.arguments(AmendmentCreateSchema)
    @blp.response(201, AmendmentSchema)
    def post(self, data, proposal_id: int):
        """Propose a replacement for the body of the current revision (`base_revision`, if sent, must be it),
        or with `section` for one section of it."""
        proposal = _visible(proposal_id)
        return services.propose_amendment(proposal, current_member(), data["body"], data["rationale"],
                                          data["base_revision"], section=data["section"])


@blp.route(f"/amendments/<{ID}:amendment_id>")
class AmendmentById(MethodView):
    @blp.response(200, AmendmentSchema)
    def get(self, amendment_id: int):
        amendment = services.get_amendment(amendment_id)
        _visible(amendment.proposal_id)
        return amendment

    @blp.arguments(AmendmentDecisionSchema)
    @blp.response(200, AmendmentSchema)
    def post(self, data, amendment_id: int):
        """accept (authors: a new revision), decline (authors), withdraw (its author), vote / not_vote
        (put a declined amendment to the vote before the main text, or not)."""
        amendment = services.get_amendment(amendment_id)
        _visible(amendment.proposal_id)
        member, action = current_member(), data["action"]
        if action == "accept":
            services.accept_amendment(amendment, member, data["reason"])
        elif action == "decline":
            services.decline_amendment(amendment, member, data["reason"])
        elif action == "withdraw":
            services.withdraw_amendment(amendment, member)
        else:
            services.put_amendment_to_vote(amendment, member, action == "vote")
        return amendment


# --- register and search -----------------------------------------------------------------------------


@blp.route("/register")
class Register(MethodView):
    @blp.arguments(RegisterQuerySchema, location="query")
    @blp.response(200, DecisionRecordSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args):
        """The decision register, newest first, filtered by level, theme, matter, follow-up, outcome, dates, words."""
        policy.require(current_member(), "register.view")
        return services.register_query(level_id=args.get("level_id"), theme_id=args.get("theme_id"),
                                       matter_id=args.get("matter_id"), status=args.get("status"),
                                       outcome=args.get("outcome"), decided_from=args.get("decided_from"),
                                       decided_to=args.get("decided_to"), text=args.get("q"))


@blp.route(f"/register/<{ID}:record_id>")
class RegisterEntry(MethodView):
    @blp.response(200, DecisionRecordSchema)
    def get(self, record_id: int):
        policy.require(current_member(), "register.view")
        return services.get_record(record_id)

    @blp.arguments(FollowUpSchema)
    @blp.response(200, DecisionRecordSchema)
    def patch(self, data, record_id: int):
        """Follow-up: facilitators set `responsible_id` and `due_on` (null clears); the responsible member
        updates `status` (todo, in_progress, done) and `note`."""
        record = services.get_record(record_id)
        return services.update_follow_up(
            record, current_member(), responsible_id=data.get("responsible_id"), due_on=data.get("due_on"),
            status=data.get("status"), note=data.get("note"),
            clear_responsible="responsible_id" in data and data["responsible_id"] is None,
            clear_due_on="due_on" in data and data["due_on"] is None,
        )


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchQuerySchema, location="query")
    @blp.response(200, SearchHitSchema(many=True))
    def get(self, args):
        """French full-text search over proposals and comments (accents and plurals ignored)."""
        return search.search(current_member(), args["q"])
