"""Live updates of a proposal page (room ``proposal:<id>``) and its Socket.IO handlers.

Events carry ids and counts, never rendered HTML: each viewer fetches the fragment of a
new comment or amendment over HTTP, rendered for them (their language, their buttons,
the policy applied to them). A client that reconnects rejoins and receives the snapshot
(the ids and counts of now) and fetches what it lacks: no event needs to be seen.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app import live
from app.deliberation.models import Amendment, Comment, Opinion, Proposal, SenseCheck
from app.extensions import db

KIND = "proposal"


def room_of(proposal) -> str:
    return live.room(KIND, proposal)


def sense_counts(proposal_id: int) -> dict[str, int]:
    counts = {opinion.value: 0 for opinion in Opinion}
    rows = db.session.execute(
        select(SenseCheck.opinion, func.count(SenseCheck.id)).where(SenseCheck.proposal_id == proposal_id)
        .group_by(SenseCheck.opinion)
    )
    for opinion, count in rows:
        counts[opinion] = count
    return counts


def snapshot(member, proposal_id: int) -> dict:
    proposal = db.session.get(Proposal, proposal_id)
    comments = db.session.execute(
        select(Comment.id, Comment.edited_at, Comment.withdrawn_at).where(Comment.proposal_id == proposal_id)
        .order_by(Comment.id)
    ).all()
    amendments = db.session.execute(
        select(Amendment.id, Amendment.status).where(Amendment.proposal_id == proposal_id).order_by(Amendment.id)
    ).all()
    return {
        "proposal": proposal_id,
        "state": proposal.state,
        "level": proposal.level_id,
        "revision": proposal.revision_number,
        "sense_checks": sense_counts(proposal_id),
        # A version per comment lets the client see an edit or a withdrawal it missed.
        "comments": [[row.id, _version(row.edited_at, row.withdrawn_at)] for row in comments],
        "amendments": [[row.id, row.status] for row in amendments],
    }


def _version(*moments) -> str:
    return "|".join(moment.isoformat() if moment else "" for moment in moments)


def _load(proposal_id: int):
    return db.session.get(Proposal, proposal_id)


live.register_room_kind(KIND, action="proposals.view", loader=_load, snapshot=snapshot)


# --- emits, sent once the transaction commits ------------------------------------------


def comment_changed(comment: Comment, action: str) -> None:
    live.emit_to(room_of(comment.proposal_id), "comment", {
        "id": comment.id, "parent_id": comment.parent_id, "action": action,
        "version": _version(comment.edited_at, comment.withdrawn_at),
    })


def amendment_changed(amendment: Amendment, action: str) -> None:
    live.emit_to(room_of(amendment.proposal_id), "amendment",
                 {"id": amendment.id, "action": action, "status": amendment.status})


def sense_checks_changed(proposal_id: int) -> None:
    live.emit_to(room_of(proposal_id), "sense_checks", {"counts": sense_counts(proposal_id)})


def proposal_changed(proposal: Proposal, what: str) -> None:
    live.emit_to(room_of(proposal), "proposal", {
        "what": what, "state": proposal.state, "level": proposal.level_id, "revision": proposal.revision_number,
    })


# --- client events: the same services as the page and the API ------------------------------


@live.on("proposal.sense_check")
def _sense_check(member, data):
    from flask_babel import gettext as _

    from app.deliberation import services
    from app.errors import InvalidInput

    if not isinstance(data, dict):
        raise InvalidInput(_("Send {\"proposal\": id, \"opinion\": …, \"reason\": …}."))
    proposal = services.get_proposal(services.int_or_none(data.get("proposal")) or 0)
    services.give_sense_check(proposal, member, data.get("opinion"), data.get("reason", ""))
    return {"sense_checks": sense_counts(proposal.id)}
