"""REST resources of workgroups: groups and their mandate, membership, messages, notes,
meetings, proposals sent for preparation and reports. Same services as the pages.
"""

from __future__ import annotations

from flask.views import MethodView

from app import policy
from app.api import ID, Blueprint, SelectPage, current_member
from app.deliberation import services as deliberation
from app.workgroups import services
from app.workgroups.models import Workgroup
from app.workgroups.schemas import (
    CreateWorkgroupSchema,
    WorkgroupHoldingSchema,
    WorkgroupInviteSchema,
    WorkgroupMeetingSchema,
    WorkgroupMessageSchema,
    WorkgroupNotesSchema,
    WorkgroupNotesStateSchema,
    WorkgroupReportSchema,
    WorkgroupSchema,
    WorkgroupSendProposalSchema,
    WorkgroupSuggestionSchema,
)

blp = Blueprint("workgroups_api", __name__, description="Workgroups: mandates, members, notes, reports")


def _group(workgroup_id: int) -> Workgroup:
    policy.require(current_member(), "workgroups.view")
    return services.get_workgroup(workgroup_id)


@blp.route("")
class Workgroups(MethodView):
    @blp.response(200, WorkgroupSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """Every workgroup, the nearest due date first."""
        policy.require(current_member(), "workgroups.view")
        return services.workgroup_query().order_by(Workgroup.due_on, Workgroup.id)

    @blp.arguments(CreateWorkgroupSchema)
    @blp.response(201, WorkgroupSchema)
    def post(self, data):
        """Record a level's decision creating a group (origin ``decision``), or propose one (``initiative``)."""
        origin = data.pop("origin")
        decision = {key: data.pop(key) for key in
                    ("decided_by_level_id", "decision_reference", "facilitator_ids", "member_ids")}
        if origin == "decision":
            return services.create_by_decision(current_member(), **data, **decision)
        return services.propose_initiative(current_member(), **data)


@blp.route(f"/<{ID}:workgroup_id>")
class WorkgroupById(MethodView):
    @blp.response(200, WorkgroupSchema)
    def get(self, workgroup_id: int):
        """A workgroup, its mandate and members."""
        return _group(workgroup_id)


def _simple(path: str, name: str, doc: str, call):
    def post(self, workgroup_id: int):
        return call(_group(workgroup_id))

    post.__doc__ = doc
    view = type(name, (MethodView,), {"post": blp.response(200, WorkgroupSchema)(post)})
    blp.route(f"/<{ID}:workgroup_id>/{path}")(view)


_simple("support", "WorkgroupSupport", "Support an initiative; it opens at the threshold.",
        lambda w: services.support(w, current_member()))
_simple("join", "WorkgroupJoin", "Join an open group.", lambda w: services.join(w, current_member()))
_simple("leave", "WorkgroupLeave", "Leave an open group.", lambda w: services.leave(w, current_member()))
_simple("start", "WorkgroupStart", "Open → in progress (facilitators).", lambda w: services.start(w, current_member()))
_simple("close", "WorkgroupClose", "Close the group; refused without a report.",
        lambda w: services.close(w, current_member()))


@blp.route(f"/<{ID}:workgroup_id>/members")
class WorkgroupMembers(MethodView):
    @blp.arguments(WorkgroupInviteSchema)
    @blp.response(200, WorkgroupSchema)
    def post(self, data, workgroup_id: int):
        """Invite a member (facilitators)."""
        return services.invite(_group(workgroup_id), current_member(), data["member_id"], data["role"])


@blp.route(f"/<{ID}:workgroup_id>/members/<{ID}:member_id>")
class WorkgroupMember(MethodView):
    @blp.response(200, WorkgroupSchema)
    def delete(self, workgroup_id: int, member_id: int):
        """Remove a member (facilitators)."""
        return services.remove(_group(workgroup_id), current_member(), member_id)


@blp.route(f"/<{ID}:workgroup_id>/suggestions")
class WorkgroupSuggestions(MethodView):
    @blp.response(200, WorkgroupSuggestionSchema(many=True))
    def get(self, workgroup_id: int):
        """Members suggested for the group, with the reasons."""
        return services.suggested_members(_group(workgroup_id))


@blp.route(f"/<{ID}:workgroup_id>/messages")
class WorkgroupMessages(MethodView):
    @blp.response(200, WorkgroupMessageSchema(many=True))
    def get(self, workgroup_id: int):
        """The group's thread, oldest first."""
        return services.messages(_group(workgroup_id))

    @blp.arguments(WorkgroupMessageSchema)
    @blp.response(201, WorkgroupMessageSchema)
    def post(self, data, workgroup_id: int):
        """Post in the thread (members only)."""
        return services.post_message(_group(workgroup_id), current_member(), data["body"])


@blp.route(f"/<{ID}:workgroup_id>/notes")
class WorkgroupNotes(MethodView):
    @blp.response(200, WorkgroupNotesStateSchema)
    def get(self, workgroup_id: int):
        """The working notes and their revision number."""
        group = _group(workgroup_id)
        return {"revision": group.notes_revision, "body": group.notes}

    @blp.arguments(WorkgroupNotesSchema)
    @blp.response(200, WorkgroupNotesStateSchema)
    @blp.alt_response(409, description="Saved since ``base_revision``: the error carries the current text.")
    def put(self, data, workgroup_id: int):
        """Save the notes from ``base_revision``; 409 with the current text if someone saved meanwhile."""
        group = _group(workgroup_id)
        services.save_notes(group, current_member(), data["body"], data["base_revision"])
        return {"revision": group.notes_revision, "body": group.notes}


@blp.route(f"/<{ID}:workgroup_id>/meetings")
class WorkgroupMeetings(MethodView):
    @blp.response(200, WorkgroupMeetingSchema(many=True))
    def get(self, workgroup_id: int):
        """Internal meetings, latest first."""
        return services.meetings(_group(workgroup_id))

    @blp.arguments(WorkgroupMeetingSchema)
    @blp.response(201, WorkgroupMeetingSchema)
    def post(self, data, workgroup_id: int):
        """Record an internal meeting: date, who came, notes."""
        return services.record_meeting(_group(workgroup_id), current_member(), held_on=data["held_on"],
                                       attendee_ids=data["attendee_ids"], notes=data["notes"])


@blp.route(f"/<{ID}:workgroup_id>/proposals")
class WorkgroupProposals(MethodView):
    @blp.response(200, WorkgroupHoldingSchema(many=True))
    def get(self, workgroup_id: int):
        """Proposals sent to the group or drafted by it."""
        return services.held_proposals(_group(workgroup_id))

    @blp.arguments(WorkgroupSendProposalSchema)
    @blp.response(201, WorkgroupHoldingSchema)
    def post(self, data, workgroup_id: int):
        """Send a proposal in debate to the group: it becomes «en préparation»."""
        group = _group(workgroup_id)
        return services.send_proposal(deliberation.load(data["proposal_id"]), group, current_member(), data["reason"])


@blp.route(f"/<{ID}:workgroup_id>/reports")
class WorkgroupReports(MethodView):
    @blp.response(200, WorkgroupReportSchema(many=True))
    def get(self, workgroup_id: int):
        """The group's reports."""
        return services.reports(_group(workgroup_id))

    @blp.arguments(WorkgroupReportSchema)
    @blp.response(201, WorkgroupReportSchema)
    def post(self, data, workgroup_id: int):
        """Deliver a report; with ``proposal_id`` (one the group holds) the proposal goes back to a level."""
        return services.deliver_report(_group(workgroup_id), current_member(), **data)
