"""The live session: the facilitator's console and the participants' raised hands.

Every operation locks the meeting row first, so two facilitators pressing "next item" at
once apply one after the other, and bumps the meeting's version for the live pages.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import policy
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.governance.models import Method, Secrecy
from app.meetings import broadcast
from app.meetings.models import (
    AgendaItem,
    Attendance,
    DebateState,
    ItemBallot,
    ItemKind,
    Meeting,
    SessionState,
    SpeakerRequest,
    SpeakerStatus,
    Stance,
)
from app.meetings.services.attendance import is_checked_in
from app.meetings.services.common import get_meeting, require_not_ended
from app.members.models import Member
from app.timeutil import local_zone, utcnow
from app.votes import services as votes
from app.votes.models import Ballot, BallotState, SubjectKind, Visibility

ACTIVE_SPEAKER = (SpeakerStatus.WAITING.value, SpeakerStatus.SPEAKING.value)
PENDING_BALLOT = (BallotState.DRAFT.value, BallotState.OPEN.value)


def _locked(meeting: Meeting, actor: Member, action: str = "meetings.facilitate") -> Meeting:
    meeting = get_meeting(meeting.id, lock=True)
    policy.require(actor, action, meeting)
    return meeting


def _require_running(meeting: Meeting) -> None:
    if meeting.session_state == SessionState.PLANNED:
        raise Conflict(_("The session has not started yet."))
    if meeting.session_state == SessionState.ENDED:
        raise Conflict(_("This meeting has ended."))


def _current(meeting: Meeting) -> AgendaItem:
    if meeting.current_item is None:
        raise Conflict(_("No agenda item is being discussed."))
    return meeting.current_item


def open_ballot_of(item: AgendaItem) -> ItemBallot | None:
    for link in item.ballots:
        if link.ballot.state in PENDING_BALLOT:
            return link
    return None


def _refuse_if_ballot_open(item: AgendaItem | None, doing: str) -> None:
    link = open_ballot_of(item) if item is not None else None
    if link is not None:
        raise Conflict(_("The ballot «%(title)s» is still open on the current item: close it before you %(doing)s.",
                         title=link.ballot.title, doing=doing))


def _finish_speaker(item: AgendaItem | None, now: datetime) -> None:
    if item is None:
        return
    for request in _requests(item, SpeakerStatus.SPEAKING.value):
        request.status, request.ended_at = SpeakerStatus.DONE.value, now


# --- session life cycle -------------------------------------------------------------------------


def start_session(meeting: Meeting, actor: Member, *, now: datetime | None = None) -> Meeting:
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    require_not_ended(meeting)
    if meeting.session_state == SessionState.RUNNING:
        raise Conflict(_("The session is already running."))
    if not meeting.items:
        raise Conflict(_("The agenda is empty: add at least one item before opening the session."))
    meeting.session_state = SessionState.RUNNING.value
    if meeting.current_item is None:
        meeting.current_item = meeting.items[0]
    broadcast.changed(meeting)
    db.session.flush()
    return meeting


def pause_session(meeting: Meeting, actor: Member, *, now: datetime | None = None) -> Meeting:
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    if meeting.session_state != SessionState.RUNNING:
        raise Conflict(_("Only a running session can be paused."))
    meeting.session_state = SessionState.PAUSED.value
    _finish_speaker(meeting.current_item, now)
    broadcast.changed(meeting)
    db.session.flush()
    return meeting


def end_session(meeting: Meeting, actor: Member, *, now: datetime | None = None) -> Meeting:
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    _require_running(meeting)
    for item in meeting.items:
        _refuse_if_ballot_open(item, _("end the meeting"))
    _finish_speaker(meeting.current_item, now)
    for item in meeting.items:
        if item.debate_state == DebateState.OPEN:
            item.debate_state, item.debate_closed_at = DebateState.CLOSED.value, now
    meeting.session_state = SessionState.ENDED.value
    meeting.current_item = None
    broadcast.changed(meeting)
    db.session.flush()
    return meeting


def go_to_item(meeting: Meeting, actor: Member, item: AgendaItem | None, *, now: datetime | None = None) -> Meeting:
    """Make `item` current (None: the next one on the agenda)."""
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    _require_running(meeting)
    current = meeting.current_item
    if item is None:
        items = list(meeting.items)
        index = items.index(current) + 1 if current in items else 0
        if index >= len(items):
            raise Conflict(_("This is the last item of the agenda."))
        item = items[index]
    elif item.meeting_id != meeting.id:
        raise NotFound(_("This agenda item does not belong to this meeting."))
    if current is not None and current.id == item.id:
        raise Conflict(_("This item is already being discussed."))
    _refuse_if_ballot_open(current, _("move to another item"))
    _finish_speaker(current, now)
    if current is not None and current.debate_state == DebateState.OPEN:
        current.debate_state, current.debate_closed_at = DebateState.CLOSED.value, now
    meeting.current_item = item
    broadcast.changed(meeting)
    db.session.flush()
    return meeting


def open_debate(meeting: Meeting, actor: Member, *, now: datetime | None = None) -> AgendaItem:
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    _require_running(meeting)
    item = _current(meeting)
    if item.debate_state == DebateState.OPEN:
        raise Conflict(_("The debate on this item is already open."))
    item.debate_state, item.debate_opened_at, item.debate_closed_at = DebateState.OPEN.value, now, None
    broadcast.changed(meeting)
    db.session.flush()
    return item


def close_debate(meeting: Meeting, actor: Member, *, now: datetime | None = None) -> AgendaItem:
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    _require_running(meeting)
    item = _current(meeting)
    if item.debate_state != DebateState.OPEN:
        raise Conflict(_("The debate on this item is not open."))
    item.debate_state, item.debate_closed_at = DebateState.CLOSED.value, now
    _finish_speaker(item, now)
    for request in _requests(item, SpeakerStatus.WAITING.value):
        request.status = SpeakerStatus.WITHDRAWN.value
    broadcast.changed(meeting)
    db.session.flush()
    return item


# --- the speaker queue ---------------------------------------------------------------------------


def _requests(item: AgendaItem, *statuses: str) -> list[SpeakerRequest]:
    return list(db.session.scalars(select(SpeakerRequest).where(
        SpeakerRequest.item_id == item.id, SpeakerRequest.status.in_(statuses),
    ).order_by(SpeakerRequest.position, SpeakerRequest.id)))


def queue(item: AgendaItem | None) -> tuple[SpeakerRequest | None, list[SpeakerRequest]]:
    """(who speaks, who waits in order) on an item."""
    if item is None:
        return None, []
    speaking = _requests(item, SpeakerStatus.SPEAKING.value)
    return (speaking[0] if speaking else None), _requests(item, SpeakerStatus.WAITING.value)


def my_request(item: AgendaItem | None, member: Member) -> SpeakerRequest | None:
    if item is None:
        return None
    return db.session.scalar(select(SpeakerRequest).where(
        SpeakerRequest.item_id == item.id, SpeakerRequest.member_id == member.id,
        SpeakerRequest.status.in_(ACTIVE_SPEAKER)))


def raise_hand(meeting: Meeting, member: Member, stance, *, now: datetime | None = None) -> SpeakerRequest:
    """A participant asks for the floor from their phone: pour, contre or question."""
    now = now or utcnow()
    meeting = _locked(meeting, member, "meetings.participate")
    try:
        stance = Stance(stance)
    except ValueError:
        raise InvalidInput(_("Choose for, against or question."),
                           fields={"stance": [_("For, against or question.")]}) from None
    if not is_checked_in(meeting, member):
        raise Conflict(_("Check in first (with the code on the screen, or ask the facilitator): only those "
                         "present may ask for the floor."))
    _require_running(meeting)
    if meeting.session_state == SessionState.PAUSED:
        raise Conflict(_("The session is paused."))
    item = _current(meeting)
    if item.debate_state != DebateState.OPEN:
        raise Conflict(_("The debate on this item is not open."))
    if my_request(item, member) is not None:
        raise Conflict(_("Your hand is already raised on this item."))
    position = (db.session.scalar(select(func.max(SpeakerRequest.position))
                                  .where(SpeakerRequest.item_id == item.id)) or 0) + 1
    request = SpeakerRequest(item_id=item.id, member_id=member.id, stance=stance.value, position=position,
                             status=SpeakerStatus.WAITING.value, requested_at=now)
    db.session.add(request)
    broadcast.changed(meeting)
    db.session.flush()
    return request


def lower_hand(meeting: Meeting, member: Member, *, now: datetime | None = None) -> None:
    meeting = _locked(meeting, member, "meetings.participate")
    request = my_request(meeting.current_item, member)
    if request is None or request.status != SpeakerStatus.WAITING:
        raise Conflict(_("Your hand is not raised."))
    request.status = SpeakerStatus.WITHDRAWN.value
    broadcast.changed(meeting)
    db.session.flush()


def _request_of(meeting: Meeting, request_id) -> SpeakerRequest:
    request = db.session.get(SpeakerRequest, request_id) if isinstance(request_id, int) and 0 < request_id < 2**31 \
        else None
    if request is None or meeting.current_item is None or request.item_id != meeting.current_item_id:
        raise NotFound(_("This request to speak is not on the current item."))
    return request


def move_speaker(meeting: Meeting, actor: Member, request_id, direction: str) -> None:
    """The facilitator orders the queue."""
    meeting = _locked(meeting, actor)
    request = _request_of(meeting, request_id)
    if direction not in ("up", "down"):
        raise InvalidInput(_("Up or down."), fields={"direction": [_("Up or down.")]})
    waiting = _requests(meeting.current_item, SpeakerStatus.WAITING.value)
    if request not in waiting:
        raise Conflict(_("Only a waiting speaker can be moved."))
    index = waiting.index(request)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(waiting):
        raise Conflict(_("Already first in the queue.") if direction == "up" else _("Already last in the queue."))
    waiting[index], waiting[other] = waiting[other], waiting[index]
    for position, each in enumerate(waiting, start=1):
        each.position = position
    broadcast.changed(meeting)
    db.session.flush()


def give_floor(meeting: Meeting, actor: Member, request_id=None, *, now: datetime | None = None) -> SpeakerRequest:
    """The next waiting speaker (or the one chosen) speaks; the timer starts now."""
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    _require_running(meeting)
    item = _current(meeting)
    if request_id is None:
        waiting = _requests(item, SpeakerStatus.WAITING.value)
        if not waiting:
            raise Conflict(_("Nobody is waiting to speak."))
        request = waiting[0]
    else:
        request = _request_of(meeting, request_id)
        if request.status != SpeakerStatus.WAITING:
            raise Conflict(_("This person is not waiting to speak."))
    _finish_speaker(item, now)
    request.status, request.started_at = SpeakerStatus.SPEAKING.value, now
    broadcast.changed(meeting)
    db.session.flush()
    return request


def end_speaker(meeting: Meeting, actor: Member, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    speaking, _waiting = queue(meeting.current_item)
    if speaking is None:
        raise Conflict(_("Nobody is speaking."))
    _finish_speaker(meeting.current_item, now)
    broadcast.changed(meeting)
    db.session.flush()


def remove_speaker(meeting: Meeting, actor: Member, request_id) -> None:
    meeting = _locked(meeting, actor)
    request = _request_of(meeting, request_id)
    if request.status != SpeakerStatus.WAITING:
        raise Conflict(_("Only a waiting speaker can be taken off the queue."))
    request.status = SpeakerStatus.WITHDRAWN.value
    broadcast.changed(meeting)
    db.session.flush()


def remaining_seconds(meeting: Meeting, request: SpeakerRequest | None, now: datetime) -> int | None:
    """Computed from the stored start: a reloaded page shows the same time left (negative: over time)."""
    if request is None or request.started_at is None:
        return None
    return meeting.speaker_seconds - int((now - request.started_at).total_seconds())


# --- ballots on the current item -------------------------------------------------------------------


ITEM_SUBJECT = {ItemKind.PROPOSAL: SubjectKind.PROPOSAL, ItemKind.TOPIC: SubjectKind.QUESTION,
                ItemKind.ELECTION: SubjectKind.ELECTION}


def present_count(meeting: Meeting) -> int:
    return db.session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.checked_in_at.is_not(None))) or 0


def open_item_ballot(meeting: Meeting, actor: Member, *, title: str = "", question: str = "", method=None,
                     secrecy=None, visibility=Visibility.AFTER_CLOSE, options=None, seats: int = 1,
                     now: datetime | None = None) -> ItemBallot:
    """A ballot of the votes engine on the current item, opened at once (context "meeting:<id>")."""
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    _require_running(meeting)
    if meeting.session_state == SessionState.PAUSED:
        raise Conflict(_("The session is paused."))
    item = _current(meeting)
    link = open_ballot_of(item)
    if link is not None:
        raise Conflict(_("A ballot is already open on this item («%(title)s»): close it before opening another.",
                         title=link.ballot.title))
    kind = ItemKind(item.kind)
    if kind is ItemKind.ELECTION and method in (None, "", Method.YES_NO, Method.CONSENT):
        raise InvalidInput(_("An election needs a method with candidates (single choice, approval, majority "
                             "judgment or ranking)."), fields={"method": [_("Choose a method with options.")]})
    if secrecy is None and kind is ItemKind.ELECTION:
        secrecy = Secrecy.SECRET  # elections of persons are secret unless the facilitator says otherwise
    ballot = votes.create_ballot(
        title=(title or "").strip() or item.title, question=question, level=meeting.level,
        subject_kind=ITEM_SUBJECT[kind], subject_id=item.proposal_id if item.proposal_id else item.id,
        method=method or None, secrecy=secrecy or None, visibility=visibility or Visibility.AFTER_CLOSE,
        options=options or [], seats=seats, context=meeting.context, created_by=actor,
    )
    votes.open_ballot(ballot, by=actor, now=now)
    link = ItemBallot(item_id=item.id, ballot_id=ballot.id)
    db.session.add(link)
    if item.proposal is not None:
        _start_proposal_vote(item, meeting, actor)
    db.session.flush()
    db.session.refresh(item, ["ballots"])
    broadcast.changed(meeting)
    return link


def _start_proposal_vote(item: AgendaItem, meeting: Meeting, actor: Member) -> None:
    from app.deliberation.models import ProposalState
    from app.deliberation.services import start_vote

    if item.proposal.state == ProposalState.SCHEDULED:
        # The meeting's facilitator may not be a level facilitator: the move is the session's.
        start_vote(item.proposal, actor if policy.can(actor, "proposals.facilitate", item.proposal) else None,
                   _("Put to the vote at «%(title)s».", title=meeting.title))


def get_item_ballot(meeting: Meeting, link_id) -> ItemBallot:
    link = db.session.get(ItemBallot, link_id) if isinstance(link_id, int) and 0 < link_id < 2**31 else None
    if link is None or link.item.meeting_id != meeting.id:
        raise NotFound(_("This ballot does not belong to this meeting."))
    return link


def close_item_ballot(meeting: Meeting, actor: Member, link_id, *, now: datetime | None = None) -> dict:
    """Close and count; those checked in are the «present» of the majority base."""
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    link = get_item_ballot(meeting, link_id)
    ballot = link.ballot
    if ballot.state != BallotState.OPEN:
        raise Conflict(_("This ballot is not open: it is %(state)s.", state=votes.state_label(ballot.state)))
    count = votes.turnout(ballot)
    present = max(count.voted, min(present_count(meeting), count.electorate))
    result = votes.close_ballot(ballot, by=actor, now=now, present_or_represented=present)
    _record_decision(link, meeting, actor, result, now)
    broadcast.changed(meeting)
    db.session.flush()
    return result


def _record_decision(link: ItemBallot, meeting: Meeting, actor: Member, result: dict, now: datetime) -> None:
    from app.deliberation.models import ProposalState
    from app.deliberation.services.register import record_decision

    proposal = link.item.proposal
    adopted = result.get("adopted")
    # Once: if another receiver of the votes engine already decided the proposal, nothing more.
    if proposal is None or not isinstance(adopted, bool) or proposal.state not in (ProposalState.SCHEDULED,
                                                                                    ProposalState.VOTING):
        return
    record_decision(proposal, "adopted" if adopted else "rejected", meeting.context,
                    now.astimezone(local_zone()).date(), actor=actor)


def reveal_result(meeting: Meeting, actor: Member, link_id, *, now: datetime | None = None) -> ItemBallot:
    """Show the result on the projector and the phones; publish it once the ballot is closed."""
    now = now or utcnow()
    meeting = _locked(meeting, actor)
    link = get_item_ballot(meeting, link_id)
    ballot: Ballot = link.ballot
    if ballot.state == BallotState.OPEN and ballot.visibility != Visibility.LIVE:
        raise Conflict(_("This ballot's result stays hidden until it closes (its visibility says so): "
                         "close the ballot first."))
    if ballot.state in (BallotState.DRAFT, BallotState.CANCELLED):
        raise Conflict(_("This ballot has no result to show: it is %(state)s.", state=votes.state_label(ballot.state)))
    if link.revealed_at is not None and ballot.state != BallotState.CLOSED:
        raise Conflict(_("The result is already shown."))
    if ballot.state == BallotState.CLOSED:
        votes.publish_ballot(ballot, by=actor, now=now)
    link.revealed_at = link.revealed_at or now
    broadcast.changed(meeting)
    db.session.flush()
    return link
