"""REST resources of meetings: the calendar, a meeting and its agenda, replies, check-in,
raised hands, the live state and the attendance history. Same services as the pages.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy import select

from app import policy
from app.api import ID, Blueprint, SelectPage, current_member
from app.errors import NotFound
from app.extensions import db
from app.meetings import services, state
from app.meetings.models import Meeting
from app.meetings.schemas import (
    AttendanceSchema,
    CheckinSchema,
    HandSchema,
    HistorySchema,
    MeetingDetailSchema,
    MeetingSchema,
    ReplySchema,
    StateSchema,
)
from app.members.models import Member

blp = Blueprint("meetings_api", __name__, description="Meetings: seminars, co-gérance, workgroups; the live session")


def _meeting(meeting_id: int) -> Meeting:
    policy.require(current_member(), "meetings.view")
    return services.get_meeting(meeting_id)


@blp.route("")
class Meetings(MethodView):
    @blp.response(200, MeetingSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        """Every meeting, the latest first."""
        policy.require(current_member(), "meetings.view")
        return select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc())


@blp.route(f"/<{ID}:meeting_id>")
class MeetingById(MethodView):
    @blp.response(200, MeetingDetailSchema)
    def get(self, meeting_id: int):
        """A meeting with its ordered agenda."""
        return _meeting(meeting_id)


@blp.route(f"/<{ID}:meeting_id>/state")
class MeetingState(MethodView):
    @blp.response(200, StateSchema)
    def get(self, meeting_id: int):
        """The live state, as a reconnecting phone receives it: item, speakers, ballot, and mine."""
        _meeting(meeting_id)
        return state.member_snapshot(current_member(), meeting_id)


@blp.route(f"/<{ID}:meeting_id>/reply")
class MeetingReply(MethodView):
    @blp.arguments(ReplySchema)
    @blp.response(200, AttendanceSchema)
    def put(self, data, meeting_id: int):
        """My answer to the convocation: present, remote or excused."""
        return services.record_reply(_meeting(meeting_id), current_member(), data["reply"])


@blp.route(f"/<{ID}:meeting_id>/checkin")
class MeetingCheckin(MethodView):
    @blp.arguments(CheckinSchema)
    @blp.response(200, AttendanceSchema)
    def post(self, data, meeting_id: int):
        """Check in with the code shown on the projector; 422 with a clear message when wrong or expired."""
        return services.check_in_with_code(_meeting(meeting_id), current_member(), data["code"], mode=data["mode"])


@blp.route(f"/<{ID}:meeting_id>/hand")
class MeetingHand(MethodView):
    @blp.arguments(HandSchema)
    @blp.response(200, StateSchema)
    def post(self, data, meeting_id: int):
        """Raise my hand on the current item (checked in, debate open)."""
        services.raise_hand(_meeting(meeting_id), current_member(), data["stance"])
        return state.member_snapshot(current_member(), meeting_id)

    @blp.response(200, StateSchema)
    def delete(self, meeting_id: int):
        """Lower my hand."""
        services.lower_hand(_meeting(meeting_id), current_member())
        return state.member_snapshot(current_member(), meeting_id)


@blp.route(f"/attendance/<{ID}:member_id>")
class MemberAttendance(MethodView):
    @blp.response(200, HistorySchema)
    def get(self, member_id: int):
        """A member's attendance history, with their absences from seminars counted."""
        policy.require(current_member(), "meetings.view")
        member = db.session.get(Member, member_id)
        if member is None:
            raise NotFound(_("No such member."))
        history = services.history(member)
        return {"absences": history.absences, "unexcused": history.unexcused, "lines": history.lines}
