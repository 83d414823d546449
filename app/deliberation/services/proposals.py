"""Proposals: drafting, editing with revisions, the state machine, scheduling, following."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app import policy
from app.deliberation import events, markdown, search
from app.deliberation.labels import state_label
from app.deliberation.models import Proposal, ProposalFollower, ProposalState, Revision, Transition
from app.deliberation.services import notify
from app.deliberation.services.common import (
    BODY_MAX,
    NOTE_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    clean_text,
    lock,
    raise_if,
)
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.governance.models import Level, LevelCode, Matter
from app.governance.services import level_label, require_level_may_decide
from app.members.models import Member, Theme
from app.timeutil import utcnow

S = ProposalState

# The state machine: from each state, where a proposal may go. Withdrawal is the authors'.
ALLOWED: dict[ProposalState, tuple[ProposalState, ...]] = {
    S.DRAFT: (S.DEBATE, S.WITHDRAWN),
    S.DEBATE: (S.PREPARATION, S.SCHEDULED, S.WITHDRAWN),
    S.PREPARATION: (S.DEBATE, S.SCHEDULED, S.WITHDRAWN),
    S.SCHEDULED: (S.DEBATE, S.VOTING, S.WITHDRAWN),
    S.VOTING: (S.ADOPTED, S.REJECTED),
    S.ADOPTED: (),
    S.REJECTED: (),
    S.WITHDRAWN: (),
}
# The text may change while it is debated or prepared, not once it is scheduled for decision.
EDITABLE_STATES = (S.DRAFT, S.DEBATE, S.PREPARATION)
COAUTHORS_MAX = 20
THEMES_MAX = 20
WINDOW_MIN = timedelta(hours=1)
WINDOW_MAX = timedelta(days=60)


class StaleEdit(Conflict):
    """Someone saved a newer revision since this edit started: nothing was overwritten."""

    def __init__(self, proposal: Proposal, base_revision: int):
        self.current_revision = proposal.revision_number
        self.current_title = proposal.title
        self.current_summary = proposal.summary
        self.current_body = proposal.body
        super().__init__(
            _("Revision %(current)d was saved while you were editing revision %(base)d; your changes were not "
              "saved. Compare them with the current text and apply them again.",
              current=proposal.revision_number, base=base_revision),
            fields={
                "base_revision": [_("Revision %(n)d is the current one.", n=proposal.revision_number)],
                "current_revision": [str(proposal.revision_number)],
                "current_title": [proposal.title],
                "current_summary": [proposal.summary],
                "current_body": [proposal.body],
            },
        )


# --- hooks for the votes engine ------------------------------------------------------------


def open_decision_ballot(proposal: Proposal):
    """Create the ballot of an online decision window (a draft until the window opens).

    Called once a proposal is scheduled for an online decision, with ``decision_opens_at``
    and ``decision_closes_at`` set. The votes engine announces the result through its
    ``ballot_closed`` signal, and deliberation.services.ballots records the decision.
    """
    from app.deliberation.services import ballots

    return ballots.create_decision_ballot(proposal)


# --- reading ---------------------------------------------------------------------------------


def proposal_query():
    return select(Proposal).options(
        selectinload(Proposal.coauthors), selectinload(Proposal.themes),
        selectinload(Proposal.matter), selectinload(Proposal.level), selectinload(Proposal.created_by),
    )


def load(proposal_id: int) -> Proposal:
    proposal = db.session.scalar(proposal_query().where(Proposal.id == proposal_id))
    if proposal is None:
        raise NotFound(_("No such proposal."))
    return proposal


def list_query(member, *, state: str | None = None, level_id: int | None = None, theme_id: int | None = None,
               matter_id: int | None = None, text: str | None = None):
    query = proposal_query().where(search.visible_proposals_clause(member))
    if state:
        query = query.where(Proposal.state == parse_state(state).value)
    if level_id:
        query = query.where(Proposal.level_id == level_id)
    if matter_id:
        query = query.where(Proposal.matter_id == matter_id)
    if theme_id:
        query = query.where(Proposal.themes.any(Theme.id == theme_id))
    if text:
        matching = search.matching(text, "proposal")
        if matching is None:
            return query.where(False)
        query = query.where(Proposal.id.in_(select(matching.subquery().c.doc_id)))
    return query.order_by(Proposal.updated_at.desc(), Proposal.id.desc())


def parse_state(raw: str) -> ProposalState:
    try:
        return ProposalState((raw or "").strip())
    except ValueError:
        known = ", ".join(state.value for state in ProposalState)
        raise InvalidInput(_("Unknown state %(value)r (known: %(known)s).", value=raw, known=known),
                           fields={"state": [_("Unknown state.")]}) from None


def revision(proposal: Proposal, number: int) -> Revision:
    found = db.session.scalar(select(Revision).where(Revision.proposal_id == proposal.id, Revision.number == number))
    if found is None:
        raise NotFound(_("This proposal has no revision %(n)d.", n=number))
    return found


# --- drafting and editing ---------------------------------------------------------------


def _members(ids: Iterable, field: str, errors: dict, *, exclude: int | None = None) -> list[Member]:
    try:
        wanted = sorted({int(value) for value in ids if value not in (None, "")} - {exclude})
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("Member numbers expected."))
        return []
    if len(wanted) > COAUTHORS_MAX:
        errors.setdefault(field, []).append(_("At most %(n)d co-authors.", n=COAUTHORS_MAX))
        return []
    found = list(db.session.scalars(
        select(Member).options(selectinload(Member.status_changes)).where(Member.id.in_(wanted))))
    from app.timeutil import local_today

    today = local_today()
    usable = [member for member in found if (status := member.status_on(today)) is not None and status.is_active]
    if len(usable) != len(wanted):
        errors.setdefault(field, []).append(_("Co-authors must be current members of the cooperative."))
    return usable


def _themes(ids: Iterable, errors: dict) -> list[Theme]:
    try:
        wanted = sorted({int(value) for value in ids if value not in (None, "")})
    except (TypeError, ValueError):
        errors.setdefault("themes", []).append(_("Theme numbers expected."))
        return []
    if len(wanted) > THEMES_MAX:
        errors.setdefault("themes", []).append(_("At most %(n)d themes.", n=THEMES_MAX))
        return []
    found = list(db.session.scalars(select(Theme).where(Theme.id.in_(wanted))))
    if len(found) != len(wanted):
        errors.setdefault("themes", []).append(_("Unknown theme."))
    return found


def _get(model, value, field: str, errors: dict, message: str):
    try:
        found = db.session.get(model, int(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors.setdefault(field, []).append(message)
    return found


def create_proposal(
    author: Member,
    *,
    title: str,
    summary: str = "",
    body: str,
    matter_id: int,
    level_id: int | None = None,
    theme_ids: Iterable = (),
    coauthor_ids: Iterable = (),
) -> Proposal:
    """A new proposal in draft, revision 1; visible to its authors until opened for debate."""
    policy.require(author, "proposals.create")
    errors: dict[str, list[str]] = {}
    title = clean_text(title, "title", errors, maximum=TITLE_MAX)
    summary = clean_text(summary, "summary", errors, maximum=SUMMARY_MAX, required=False)
    body = clean_text(body, "body", errors, maximum=BODY_MAX)
    matter = _get(Matter, matter_id, "matter_id", errors, _("Choose the matter of the proposal."))
    level = None
    if level_id not in (None, ""):
        level = _get(Level, level_id, "level_id", errors, _("Unknown level."))
    elif matter is not None:
        level = matter.min_level  # by default, debated where it will be decided
    themes = _themes(theme_ids, errors)
    coauthors = _members(coauthor_ids, "coauthors", errors, exclude=author.id)
    raise_if(errors, _("The proposal could not be saved."))
    now = utcnow()
    proposal = Proposal(
        title=title, summary=summary, body=body, body_html=markdown.render(body), revision_number=1,
        state=S.DRAFT.value, matter=matter, level=level, created_by=author, created_at=now, updated_at=now,
    )
    proposal.themes = themes
    proposal.coauthors = coauthors
    db.session.add(proposal)
    db.session.flush()
    proposal.revisions.append(Revision(number=1, title=title, summary=summary, body=body, author_id=author.id,
                                       note=_("First version"), created_at=now))
    proposal.transitions.append(Transition(from_state=None, to_state=S.DRAFT.value, from_level_id=None,
                                           to_level_id=level.id, actor_id=author.id, reason="", created_at=now))
    for member in (author, *coauthors):
        _follow(proposal, member)
    db.session.flush()
    search.index_proposal(proposal)
    return proposal


def edit_proposal(
    proposal: Proposal,
    editor: Member,
    *,
    base_revision: int,
    title: str,
    summary: str,
    body: str,
    note: str = "",
    matter_id=None,
    level_id=None,
    theme_ids: Iterable | None = None,
    coauthor_ids: Iterable | None = None,
) -> Revision | None:
    """Save an edit started from ``base_revision``; returns the new revision (None: text unchanged).

    A stale edit raises StaleEdit with the current text, and changes nothing. Matter and
    level change only in draft; themes and co-authors while the text is editable.
    """
    policy.require(editor, "proposals.edit", proposal)
    state = proposal.state_enum
    if state not in EDITABLE_STATES:
        raise Conflict(_("A proposal «%(state)s» can no longer be edited.", state=state_label(state)))
    errors: dict[str, list[str]] = {}
    if not isinstance(base_revision, int) or isinstance(base_revision, bool):
        errors["base_revision"] = [_("Say which revision the edit started from.")]
    title = clean_text(title, "title", errors, maximum=TITLE_MAX)
    summary = clean_text(summary, "summary", errors, maximum=SUMMARY_MAX, required=False)
    body = clean_text(body, "body", errors, maximum=BODY_MAX)
    note = clean_text(note, "note", errors, maximum=NOTE_MAX, required=False)
    matter = level = None
    if matter_id not in (None, "") and int_or_none(matter_id) != proposal.matter_id:
        if state is not S.DRAFT:
            errors["matter_id"] = [_("The matter is fixed once the debate is open.")]
        matter = _get(Matter, matter_id, "matter_id", errors, _("Unknown matter."))
    if level_id not in (None, "") and int_or_none(level_id) != proposal.level_id:
        if state is not S.DRAFT:
            errors["level_id"] = [_("Once the debate is open, the level changes only by escalation.")]
        level = _get(Level, level_id, "level_id", errors, _("Unknown level."))
    themes = _themes(theme_ids, errors) if theme_ids is not None else None
    coauthors = (_members(coauthor_ids, "coauthors", errors, exclude=proposal.created_by_id)
                 if coauthor_ids is not None else None)
    raise_if(errors, _("The proposal could not be saved."))
    if base_revision != proposal.revision_number:
        raise StaleEdit(proposal, base_revision)

    text_changed = (title, summary, body) != (proposal.title, proposal.summary, proposal.body)
    new_revision = None
    if text_changed:
        # Compare-and-set on the row: of two edits started from the same revision, the
        # database lets one through; the other finds 0 rows and gets the current text.
        result = db.session.execute(
            update(Proposal).where(Proposal.id == proposal.id, Proposal.revision_number == base_revision)
            .values(revision_number=base_revision + 1).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            db.session.refresh(proposal)
            raise StaleEdit(proposal, base_revision)
        now = utcnow()
        proposal.revision_number = base_revision + 1
        proposal.title, proposal.summary, proposal.body = title, summary, body
        proposal.body_html = markdown.render(body)
        proposal.updated_at = now
        new_revision = Revision(proposal_id=proposal.id, number=base_revision + 1, title=title, summary=summary,
                                body=body, author_id=editor.id, note=note, created_at=now)
        db.session.add(new_revision)
    if matter is not None:
        proposal.matter = matter
    if level is not None:
        proposal.level = level
    if themes is not None:
        proposal.themes = themes
    if coauthors is not None:
        proposal.coauthors = coauthors
        for member in coauthors:
            _follow(proposal, member)
    db.session.flush()
    if text_changed:
        search.index_proposal(proposal)
        events.proposal_changed(proposal, "revision")
    return new_revision


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the state machine ---------------------------------------------------------------------


def allowed_from(state: ProposalState) -> tuple[ProposalState, ...]:
    return ALLOWED[state]


def _refuse_illegal(proposal: Proposal, to_state: ProposalState) -> None:
    state = proposal.state_enum
    allowed = ALLOWED[state]
    if to_state in allowed:
        return
    if not allowed:
        raise Conflict(_("The proposal is «%(state)s»: that is final, nothing follows.", state=state_label(state)))
    raise Conflict(_("A proposal «%(state)s» cannot become «%(wanted)s». From here it may become: %(allowed)s.",
                     state=state_label(state), wanted=state_label(to_state),
                     allowed=", ".join(f"«{state_label(item)}»" for item in allowed)))


def _reason(reason, *, required: bool = False) -> str:
    errors: dict[str, list[str]] = {}
    text = clean_text(reason, "reason", errors, maximum=REASON_MAX, required=required)
    raise_if(errors, _("Say why, in at most %(n)d characters.", n=REASON_MAX))
    return text


def _move(proposal: Proposal, to_state: ProposalState, actor: Member | None, reason: str, *,
          to_level: Level | None = None, notify_followers: bool = True) -> Transition:
    """Record one transition (who, when, why) and apply it; the caller checked the rules."""
    if to_state != proposal.state_enum:  # a level change alone (escalation) keeps the state
        _refuse_illegal(proposal, to_state)
    from_state, from_level = proposal.state, proposal.level
    now = utcnow()
    transition = Transition(
        from_state=from_state, to_state=to_state.value, from_level_id=from_level.id,
        to_level_id=(to_level or from_level).id, actor_id=actor.id if actor else None, reason=reason,
        created_at=now,
    )
    proposal.transitions.append(transition)
    proposal.state = to_state.value
    if to_level is not None:
        proposal.level = to_level
    proposal.updated_at = now
    if to_state is S.DEBATE and proposal.opened_at is None:
        proposal.opened_at = now
    if to_state in (S.DEBATE, S.PREPARATION, S.WITHDRAWN) and from_state == S.SCHEDULED.value:
        _clear_schedule(proposal)
    db.session.flush()
    if notify_followers:
        notify.state_changed(proposal, transition, actor)
    events.proposal_changed(proposal, "state")
    return transition


def _clear_schedule(proposal: Proposal) -> None:
    proposal.decision_opens_at = proposal.decision_closes_at = None
    proposal.meeting_ref = None


def open_for_debate(proposal: Proposal, actor: Member, reason: str = "") -> Proposal:
    """Draft → debate. Below the matter's lowest level, the proposal goes up to it at once."""
    policy.require(actor, "proposals.manage", proposal)
    lock(proposal)
    reason = _reason(reason)
    _refuse_illegal(proposal, S.DEBATE)
    _move(proposal, S.DEBATE, actor, reason, notify_followers=False)
    minimum = proposal.matter.min_level
    if proposal.level.rank < minimum.rank:
        _move(proposal, S.DEBATE, None, _("The matter «%(matter)s» is decided at the level «%(level)s» or above.",
                                           matter=_matter(proposal), level=level_label(minimum)),
              to_level=minimum, notify_followers=False)
    notify.new_proposal(proposal)
    return proposal


def _matter(proposal: Proposal) -> str:
    from app.governance.services import matter_label

    return matter_label(proposal.matter)


def send_to_preparation(proposal: Proposal, actor: Member, reason: str = "") -> Proposal:
    """Debate → preparation: a workgroup prepares the decision."""
    policy.require(actor, "proposals.steer", proposal)
    lock(proposal)
    reason = _reason(reason)
    _refuse_illegal(proposal, S.PREPARATION)
    _move(proposal, S.PREPARATION, actor, reason)
    return proposal


def back_to_debate(proposal: Proposal, actor: Member, reason: str = "") -> Proposal:
    """Preparation or scheduled → debate (a schedule is cancelled)."""
    policy.require(actor, "proposals.steer", proposal)
    lock(proposal)
    reason = _reason(reason)
    _refuse_illegal(proposal, S.DEBATE)
    _move(proposal, S.DEBATE, actor, reason)
    return proposal


def withdraw(proposal: Proposal, actor: Member, reason: str) -> Proposal:
    """Withdrawn by its authors, saying why; not once the vote has begun."""
    policy.require(actor, "proposals.manage", proposal)
    lock(proposal)
    reason = _reason(reason, required=True)
    _refuse_illegal(proposal, S.WITHDRAWN)
    _move(proposal, S.WITHDRAWN, actor, reason)
    return proposal


def _check_schedulable(proposal: Proposal) -> None:
    _refuse_illegal(proposal, S.SCHEDULED)
    # DOMAIN.md "Who decides what": never below the matter's lowest level, whatever the path.
    require_level_may_decide(proposal.matter, proposal.level)


def schedule_online_decision(proposal: Proposal, actor: Member, opens_at: datetime, closes_at: datetime,
                             reason: str = "") -> Proposal:
    """Level 1: a decision window (UTC); records it and hands over to the votes engine's hook."""
    policy.require(actor, "proposals.steer", proposal)
    lock(proposal)
    reason = _reason(reason)
    _check_schedulable(proposal)
    if proposal.level.code != LevelCode.ONLINE:
        raise InvalidInput(
            _("An online decision window is for the level «%(online)s»; at the level «%(level)s» the proposal "
              "goes on a meeting's agenda.", online=level_label(LevelCode.ONLINE), level=level_label(proposal.level)),
            fields={"opens_at": [_("Not at this level.")]},
        )
    errors: dict[str, list[str]] = {}
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            errors[name] = [_("A date and time with its time zone is required.")]
    raise_if(errors, _("The decision window is not valid."))
    now = utcnow()
    if closes_at <= now:
        errors["closes_at"] = [_("The window must close in the future.")]
    if closes_at - opens_at < WINDOW_MIN:
        errors["closes_at"] = [_("The window must last at least one hour.")]
    elif closes_at - opens_at > WINDOW_MAX:
        errors["closes_at"] = [_("The window may last at most %(days)d days.", days=WINDOW_MAX.days)]
    if opens_at < now - timedelta(minutes=5):
        errors["opens_at"] = [_("The window cannot open in the past.")]
    raise_if(errors, _("The decision window is not valid."))
    proposal.decision_opens_at, proposal.decision_closes_at = opens_at, closes_at
    proposal.meeting_ref = None
    _move(proposal, S.SCHEDULED, actor, reason)
    open_decision_ballot(proposal)
    return proposal


def schedule_for_meeting(proposal: Proposal, actor: Member, meeting_ref: str, reason: str = "") -> Proposal:
    """Levels 2–4: on a meeting's agenda, named by a generic reference until meetings exist."""
    policy.require(actor, "proposals.steer", proposal)
    lock(proposal)
    reason = _reason(reason)
    _check_schedulable(proposal)
    if proposal.level.code == LevelCode.ONLINE:
        raise InvalidInput(_("At the level «%(level)s» a decision takes an online window, not a meeting.",
                             level=level_label(proposal.level)), fields={"meeting_ref": [_("Not at this level.")]})
    errors: dict[str, list[str]] = {}
    meeting_ref = clean_text(meeting_ref, "meeting_ref", errors, maximum=200)
    raise_if(errors, _("Say which meeting will decide."))
    proposal.meeting_ref = meeting_ref
    proposal.decision_opens_at = proposal.decision_closes_at = None
    _move(proposal, S.SCHEDULED, actor, reason)
    return proposal


def start_vote(proposal: Proposal, actor: Member | None = None, reason: str = "") -> Proposal:
    """Scheduled → being voted on; by a facilitator, or by the system (actor None)."""
    if actor is not None:
        policy.require(actor, "proposals.facilitate", proposal)
    lock(proposal)
    reason = _reason(reason)
    _refuse_illegal(proposal, S.VOTING)
    require_level_may_decide(proposal.matter, proposal.level)
    _move(proposal, S.VOTING, actor, reason)
    return proposal


def open_due_windows(now: datetime | None = None) -> list[Proposal]:
    """Scheduled online decisions whose window has opened move to "being voted on"."""
    now = now or utcnow()
    due = list(db.session.scalars(
        select(Proposal).where(Proposal.state == S.SCHEDULED.value, Proposal.decision_opens_at <= now)
        .order_by(Proposal.id)
    ))
    from app.deliberation.services import ballots

    for proposal in due:
        start_vote(proposal, None, _("The decision window opened."))
        ballots.open_decision_ballot_of(proposal)
    return due


# --- followers ---------------------------------------------------------------------------------


def _follow(proposal: Proposal, member: Member) -> None:
    if db.session.get(ProposalFollower, (proposal.id, member.id)) is None:
        db.session.add(ProposalFollower(proposal_id=proposal.id, member_id=member.id))


def is_following(proposal: Proposal, member: Member) -> bool:
    return db.session.get(ProposalFollower, (proposal.id, member.id)) is not None


def follow(proposal: Proposal, member: Member) -> None:
    policy.require(member, "proposals.view", proposal)
    _follow(proposal, member)
    db.session.flush()


def unfollow(proposal: Proposal, member: Member) -> None:
    policy.require(member, "proposals.view", proposal)
    existing = db.session.get(ProposalFollower, (proposal.id, member.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()


followers = notify.followers
