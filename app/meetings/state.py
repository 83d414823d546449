"""What the live pages show, as data: one definition for the snapshot of the room, the
fragments of the console, the phone and the projector, and the API.

A client that (re)joins ``meeting:<id>`` receives ``member_snapshot``: the current item,
the speaker queue and timer, the ballot with its turnout (and tally when it may be shown),
and the member's own check-in, raised hand and vote state — everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for

from app.extensions import db
from app.meetings import services
from app.meetings.models import ItemBallot, Meeting, SpeakerRequest
from app.timeutil import utcnow
from app.votes import events as vote_events
from app.votes import services as votes
from app.votes.models import Ballot, BallotState, Visibility


def current_link(meeting: Meeting) -> ItemBallot | None:
    """The ballot the room looks at: the open one on the current item, else its latest."""
    item = meeting.current_item
    if item is None or not item.ballots:
        return None
    return services.open_ballot_of(item) or item.ballots[-1]


def tally_shown(link: ItemBallot) -> bool:
    """The room sees the tally live when the ballot allows it, else once the facilitator reveals it."""
    ballot = link.ballot
    if ballot.state == BallotState.OPEN:
        return ballot.visibility == Visibility.LIVE
    return link.revealed_at is not None and ballot.state in (BallotState.CLOSED, BallotState.PUBLISHED)


@dataclass
class Live:
    """The live state as objects, for templates."""

    meeting: Meeting
    now: datetime
    link: ItemBallot | None
    speaking: SpeakerRequest | None
    waiting: list[SpeakerRequest]
    remaining: int | None
    present_on_site: int
    present_remote: int
    turnout: votes.Turnout | None
    tally: dict | None
    final: bool

    @property
    def ballot(self) -> Ballot | None:
        return self.link.ballot if self.link else None

    @property
    def item_number(self) -> int | None:
        item = self.meeting.current_item
        return self.meeting.items.index(item) + 1 if item is not None and item in self.meeting.items else None


def live(meeting: Meeting, now: datetime | None = None, *, facilitator: bool = False) -> Live:
    now = now or utcnow()
    speaking, waiting = services.queue(meeting.current_item)
    sheet = services.sheet(meeting, now)
    link = current_link(meeting)
    turnout = votes.turnout(link.ballot) if link else None
    tally, final = None, False
    if link is not None and (tally_shown(link) or facilitator):
        tally, final = vote_events.visible_result(link.ballot)
    return Live(meeting, now, link, speaking, waiting, services.remaining_seconds(meeting, speaking, now),
                len(sheet.on_site), len(sheet.remote), turnout, tally, final)


def _request(request: SpeakerRequest | None) -> dict | None:
    if request is None:
        return None
    return {"id": request.id, "member": request.member_id, "name": request.member.full_name,
            "stance": request.stance, "started_at": request.started_at.isoformat() if request.started_at else None}


def public_state(meeting: Meeting, now: datetime | None = None) -> dict:
    view = live(meeting, now)
    item = meeting.current_item
    state = {
        "meeting": meeting.id, "version": meeting.version, "title": meeting.title, "session": meeting.session_state,
        "now": view.now.isoformat(), "speaker_seconds": meeting.speaker_seconds,
        "item": None if item is None else {"id": item.id, "number": view.item_number, "title": item.title,
                                           "kind": item.kind, "debate": item.debate_state},
        "speaking": _request(view.speaking), "remaining": view.remaining,
        "queue": [_request(r) for r in view.waiting],
        "present": {"on_site": view.present_on_site, "remote": view.present_remote},
        "ballot": None,
    }
    if view.link is not None:
        ballot = view.link.ballot
        state["ballot"] = {
            "link": view.link.id, "id": ballot.id, "title": ballot.title, "method": ballot.method,
            "state": ballot.state, "visibility": ballot.visibility, "secret": ballot.is_secret,
            "revealed": view.link.revealed_at is not None,
            "turnout": {"electorate": view.turnout.electorate, "voted": view.turnout.voted},
        }
        if view.tally is not None:
            state["ballot"]["tally"], state["ballot"]["final"] = view.tally, view.final
    return state


def member_snapshot(member, meeting_id: int) -> dict:
    meeting = services.get_meeting(meeting_id)
    state = public_state(meeting)
    row = services.attendance_of(meeting, member)
    hand = services.my_request(meeting.current_item, member)
    me = {"checked_in": row.checkin_mode if row and row.checked_in_at else None,
          "reply": row.reply if row else None,
          "hand": None if hand is None else {"id": hand.id, "stance": hand.stance, "status": hand.status},
          "vote": None}
    link = current_link(meeting)
    if link is not None and link.ballot.state != BallotState.DRAFT:
        me["vote"] = vote_events.member_state(link.ballot, member)
    state["me"] = me
    return state


def projector_snapshot(meeting: Meeting, now: datetime | None = None) -> dict:
    now = now or utcnow()
    state = public_state(meeting, now)
    code = services.shown_code(meeting, now)
    state["checkin"] = {"code": code.display, "expires_at": code.expires_at.isoformat(),
                        "url": url_for("meetings.checkin", meeting_id=meeting.id, code=code.code, _external=True)}
    return state


def turnout_payload(meeting_id: int) -> dict | None:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    link = current_link(meeting)
    if link is None:
        return {"meeting": meeting_id, "ballot": None}
    count = votes.turnout(link.ballot)
    return {"meeting": meeting_id, "ballot": link.ballot.id, "state": link.ballot.state,
            "turnout": {"electorate": count.electorate, "voted": count.voted}, "tally_shown": tally_shown(link)}


def qr_svg(data: str) -> str:
    import segno

    # Dark on white with a quiet zone: phones read it from across a room on a projector.
    return segno.make(data, error="m").svg_inline(scale=10, border=2, dark="#000", light="#fff",
                                                  omitsize=True)
