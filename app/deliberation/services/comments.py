"""Comments with a stance in two-level threads, @mentions, and sense checks."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app import policy
from app.deliberation import events, markdown, search
from app.deliberation.labels import state_label
from app.deliberation.models import (
    Comment,
    CommentEdit,
    Opinion,
    Proposal,
    ProposalFollower,
    ProposalState,
    SenseCheck,
    Stance,
)
from app.deliberation.services import notify
from app.deliberation.services.common import COMMENT_MAX, REASON_MAX, clean_text, path_for, raise_if
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.members.models import Member
from app.timeutil import utcnow

S = ProposalState
# Debate goes on until the vote starts; sense checks may be given until the decision.
COMMENT_STATES = (S.DEBATE, S.PREPARATION, S.SCHEDULED)
SENSE_CHECK_STATES = (S.DEBATE, S.PREPARATION, S.SCHEDULED, S.VOTING)


def parse_stance(raw) -> Stance:
    try:
        return Stance((raw or "").strip() if isinstance(raw, str) else raw)
    except ValueError:
        raise InvalidInput(_("Choose a stance: for, against, question or neutral."),
                           fields={"stance": [_("Unknown stance.")]}) from None


def parse_opinion(raw) -> Opinion:
    try:
        return Opinion((raw or "").strip() if isinstance(raw, str) else raw)
    except ValueError:
        raise InvalidInput(_("Choose: agree, reservation, disagree or blocking objection."),
                           fields={"opinion": [_("Unknown sense check.")]}) from None


def _require_state(proposal: Proposal, allowed: tuple[ProposalState, ...], what: str) -> None:
    if proposal.state_enum not in allowed:
        raise Conflict(_("%(what)s is not possible while the proposal is «%(state)s» (only when: %(allowed)s).",
                         what=what, state=state_label(proposal.state),
                         allowed=", ".join(f"«{state_label(state)}»" for state in allowed)))


# --- mentions ----------------------------------------------------------------------------


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the original one."""
    folded, origin = [], []
    for index, char in enumerate(text):
        for piece in search.fold(char):
            folded.append(piece)
            origin.append(index)
    return "".join(folded), origin


def _mentions(text: str) -> list[tuple[int, int, Member]]:
    """(start, end, member) of each "@Full Name" in the text (case and accents ignored)."""
    if "@" not in text:
        return []
    folded, origin = _fold_with_map(text)
    members = db.session.scalars(select(Member).order_by(Member.id)).all()
    # Longest names first, so "@Anne Marie Dupont" is not read as "@Anne Marie".
    by_name = sorted(((search.fold(member.full_name), member) for member in members), key=lambda item: -len(item[0]))
    found = []
    for match in re.finditer("@", folded):
        start = match.end()
        for name, member in by_name:
            end = start + len(name)
            if name and folded.startswith(name, start) and (end == len(folded) or not folded[end].isalnum()):
                found.append((origin[match.start()], origin[end - 1] + 1, member))
                break
    return found


def mentioned_members(text: str) -> list[Member]:
    unique: dict[int, Member] = {}
    for _start, _end, member in _mentions(text):
        unique.setdefault(member.id, member)
    return list(unique.values())


def _render(body: str) -> str:
    """Markdown to safe HTML, each mention turned into a link to the member's page."""
    source = body
    for start, end, member in reversed(_mentions(body)):
        name = re.sub(r"([\\\[\]])", r"\\\1", member.full_name)
        href = path_for("members.member_page", member_id=member.id)
        source = f"{source[:start]}[@{name}]({href}){{.mention}}{source[end:]}"
    return markdown.render(source)


# --- comments ---------------------------------------------------------------------------


def add_comment(proposal: Proposal, author: Member, body: str, stance, parent_id: int | None = None) -> Comment:
    policy.require(author, "proposals.comment", proposal)
    _require_state(proposal, COMMENT_STATES, _("Commenting"))
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, maximum=COMMENT_MAX)
    try:
        stance = parse_stance(stance)
    except InvalidInput as error:
        errors.update(error.fields)
    parent = None
    if parent_id not in (None, ""):
        number = parent_id if isinstance(parent_id, int) and not isinstance(parent_id, bool) else None
        if number is None and isinstance(parent_id, str) and parent_id.strip().isdigit():
            number = int(parent_id)
        parent = db.session.get(Comment, number) if number is not None else None
        if parent is None or parent.proposal_id != proposal.id:
            errors["parent_id"] = [_("The comment answered is not on this proposal.")]
        elif parent.parent_id is not None:
            errors["parent_id"] = [_("Threads have two levels: answer the first comment of the thread.")]
        elif parent.withdrawn_at is not None:
            errors["parent_id"] = [_("This comment was withdrawn by its author.")]
    raise_if(errors, _("The comment could not be posted."))
    mentioned = mentioned_members(body)
    comment = Comment(proposal_id=proposal.id, parent_id=parent.id if parent else None, author=author,
                      stance=stance.value, body=body, body_html=_render(body), created_at=utcnow())
    db.session.add(comment)
    if db.session.get(ProposalFollower, (proposal.id, author.id)) is None:
        db.session.add(ProposalFollower(proposal_id=proposal.id, member_id=author.id))
    db.session.flush()
    search.index_comment(comment)
    told = notify.mentioned(comment, proposal, mentioned)
    if parent is not None:
        notify.replied(comment, proposal, parent, told)
    events.comment_changed(comment, "added")
    return comment


def edit_comment(comment: Comment, editor: Member, body: str, stance=None) -> Comment:
    """The author rewrites their comment; the previous text is kept in its history."""
    policy.require(editor, "comments.edit", comment)
    if comment.withdrawn_at is not None:
        raise Conflict(_("A withdrawn comment cannot be edited."))
    proposal = db.session.get(Proposal, comment.proposal_id)
    _require_state(proposal, COMMENT_STATES, _("Editing a comment"))
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, maximum=COMMENT_MAX)
    new_stance = comment.stance
    if stance not in (None, ""):
        try:
            new_stance = parse_stance(stance).value
        except InvalidInput as error:
            errors.update(error.fields)
    raise_if(errors, _("The comment could not be saved."))
    if body == comment.body and new_stance == comment.stance:
        return comment
    before = {member.id for member in mentioned_members(comment.body)}
    comment.edits.append(CommentEdit(stance=comment.stance, body=comment.body,
                                     written_at=comment.edited_at or comment.created_at, replaced_at=utcnow()))
    mentioned = mentioned_members(body)
    comment.body, comment.stance = body, new_stance
    comment.body_html = _render(body)
    comment.edited_at = utcnow()
    db.session.flush()
    search.index_comment(comment)
    # Only members newly named hear of it: an edit does not repeat earlier mentions.
    notify.mentioned(comment, proposal, [member for member in mentioned if member.id not in before])
    events.comment_changed(comment, "edited")
    return comment


def withdraw_comment(comment: Comment, actor: Member) -> Comment:
    """The comment's text is hidden; a trace (who, when) stays, and so do the replies."""
    policy.require(actor, "comments.withdraw", comment)
    if comment.withdrawn_at is not None:
        raise Conflict(_("This comment is already withdrawn."))
    comment.withdrawn_at = utcnow()
    db.session.flush()
    search.index_comment(comment)
    events.comment_changed(comment, "withdrawn")
    return comment


def comment_history(comment: Comment, member: Member) -> list[CommentEdit]:
    proposal = db.session.get(Proposal, comment.proposal_id)
    policy.require(member, "proposals.view", proposal)
    if comment.withdrawn_at is not None:
        raise NotFound(_("This comment was withdrawn by its author."))
    return list(comment.edits)


# --- sense checks -----------------------------------------------------------------------


def give_sense_check(proposal: Proposal, member: Member, opinion, reason: str = "") -> SenseCheck:
    """One current sense check per member: a new one replaces theirs."""
    policy.require(member, "proposals.sense_check", proposal)
    _require_state(proposal, SENSE_CHECK_STATES, _("Giving a sense check"))
    errors: dict[str, list[str]] = {}
    try:
        opinion = parse_opinion(opinion)
    except InvalidInput as error:
        errors.update(error.fields)
        opinion = None
    reason = clean_text(reason, "reason", errors, maximum=REASON_MAX, required=False)
    if opinion is Opinion.BLOCKING_OBJECTION and not reason:
        # DOMAIN.md, consent: an objection states the harm to shared aims, not a preference.
        errors["reason"] = [_("A blocking objection states its reason: what harm would the proposal do?")]
    raise_if(errors, _("The sense check was not recorded."))
    check = db.session.scalar(
        select(SenseCheck).where(SenseCheck.proposal_id == proposal.id, SenseCheck.member_id == member.id))
    if check is None:
        check = SenseCheck(proposal_id=proposal.id, member_id=member.id)
        db.session.add(check)
    check.opinion, check.reason, check.updated_at = opinion.value, reason, utcnow()
    db.session.flush()
    events.sense_checks_changed(proposal.id)
    return check


def withdraw_sense_check(proposal: Proposal, member: Member) -> None:
    policy.require(member, "proposals.sense_check", proposal)
    _require_state(proposal, SENSE_CHECK_STATES, _("Withdrawing a sense check"))
    check = db.session.scalar(
        select(SenseCheck).where(SenseCheck.proposal_id == proposal.id, SenseCheck.member_id == member.id))
    if check is None:
        raise NotFound(_("You have given no sense check on this proposal."))
    db.session.delete(check)
    db.session.flush()
    events.sense_checks_changed(proposal.id)


def my_sense_check(proposal: Proposal, member: Member) -> SenseCheck | None:
    return db.session.scalar(
        select(SenseCheck).where(SenseCheck.proposal_id == proposal.id, SenseCheck.member_id == member.id))


sense_counts = events.sense_counts
