"""Who hears about what happens to a proposal; every notice written in its reader's language."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.deliberation.labels import state_label
from app.deliberation.models import Comment, Proposal, ProposalFollower, Transition
from app.deliberation.services.common import path_for
from app.extensions import db
from app.governance.services import level_label
from app.members.models import Member, member_themes
from app.notifications import services as notices
from app.notifications.models import NoticeKind


def link(proposal: Proposal, anchor: str = "") -> str:
    return path_for("deliberation.proposal_page", proposal_id=proposal.id) + anchor


def followers(proposal: Proposal) -> list[Member]:
    return list(db.session.scalars(
        select(Member).join(ProposalFollower, ProposalFollower.member_id == Member.id)
        .where(ProposalFollower.proposal_id == proposal.id).options(selectinload(Member.status_changes))
        .order_by(Member.id)
    ))


def _skip(member: Member, actor: Member | None) -> bool:
    return actor is not None and member.id == actor.id


def state_changed(proposal: Proposal, transition: Transition, actor: Member | None) -> None:
    for member in followers(proposal):
        if _skip(member, actor):
            continue
        with notices.in_language_of(member):
            if transition.from_state == transition.to_state and transition.from_level_id != transition.to_level_id:
                message = _("«%(title)s» moved up to the level «%(level)s».", title=proposal.title,
                            level=level_label(proposal.level))
            else:
                message = _("«%(title)s» is now «%(state)s».", title=proposal.title,
                            state=state_label(transition.to_state))
            if transition.reason:
                message += " " + _("Why: %(reason)s", reason=transition.reason)
        notices.notify(member, NoticeKind.STATE_CHANGE, message, link(proposal))


def new_proposal(proposal: Proposal) -> None:
    """Members interested in one of the proposal's themes hear of it when its debate opens."""
    theme_ids = [theme.id for theme in proposal.themes]
    if not theme_ids:
        return
    authors = proposal.author_ids()
    interested = db.session.scalars(
        select(Member).where(Member.id.in_(select(member_themes.c.member_id)
                                           .where(member_themes.c.theme_id.in_(theme_ids))))
        .options(selectinload(Member.status_changes)).order_by(Member.id)
    )
    for member in interested:
        if member.id in authors:
            continue
        with notices.in_language_of(member):
            message = _("New proposal in your themes: «%(title)s».", title=proposal.title)
        notices.notify(member, NoticeKind.NEW_PROPOSAL, message, link(proposal), key=f"new-proposal:{proposal.id}")


def mentioned(comment: Comment, proposal: Proposal, members: list[Member]) -> set[int]:
    told = set()
    for member in members:
        if member.id == comment.author_id:
            continue
        with notices.in_language_of(member):
            message = _("%(author)s mentioned you about «%(title)s».", author=comment.author.full_name,
                        title=proposal.title)
        if notices.notify(member, NoticeKind.MENTION, message, link(proposal, f"#comment-{comment.id}"),
                          key=f"mention:{comment.id}"):
            told.add(member.id)
    return told


def replied(comment: Comment, proposal: Proposal, parent: Comment, already_told: set[int]) -> None:
    member = parent.author
    if member.id == comment.author_id or member.id in already_told:
        return
    with notices.in_language_of(member):
        message = _("%(author)s replied to your comment on «%(title)s».", author=comment.author.full_name,
                    title=proposal.title)
    notices.notify(member, NoticeKind.REPLY, message, link(proposal, f"#comment-{comment.id}"))


def window_closing(proposal: Proposal, members: list[Member]) -> int:
    count = 0
    for member in members:
        with notices.in_language_of(member):
            from flask_babel import format_datetime

            message = _("The decision on «%(title)s» closes on %(when)s.", title=proposal.title,
                        when=format_datetime(proposal.decision_closes_at, "short"))
        key = f"window-closing:{proposal.id}:{proposal.decision_closes_at.isoformat()}"
        if notices.notify(member, NoticeKind.WINDOW_CLOSING, message, link(proposal), key=key):
            count += 1
    return count


def follow_up_assigned(record, member: Member) -> None:
    with notices.in_language_of(member):
        message = _("You are responsible for the follow-up of decision no. %(number)d: «%(title)s».",
                    number=record.id, title=record.proposal.title)
    notices.notify(member, NoticeKind.DECISION, message,
                   path_for("deliberation.register_entry", record_id=record.id))
