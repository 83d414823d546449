"""The decision register: what was decided, where, and the follow-up of each decision."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app import policy
from app.deliberation import search
from app.deliberation.labels import follow_up_label, outcome_label
from app.deliberation.models import (
    DecisionRecord,
    FollowUpStatus,
    Outcome,
    Proposal,
    ProposalState,
)
from app.deliberation.services import notify, proposals
from app.deliberation.services.common import BODY_MAX, REASON_MAX, SOURCE_MAX, clean_text, lock, raise_if
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.governance.models import Level, Matter
from app.governance.services import level_label, matter_label, require_level_may_decide
from app.members.models import Member, Theme
from app.timeutil import local_today, utcnow

S = ProposalState


def record_decision(proposal: Proposal, outcome: Outcome | str, source: str, decided_on: date,
                    text: str | None = None, *, actor: Member | None = None) -> DecisionRecord:
    """Mark a proposal adopted or rejected and write its line of the register.

    Called by the votes engine when a ballot closes (source "ballot:<id>") and by the
    meetings engine (source "meeting:<id>"); ``text`` is the text as decided (by default
    the current body). A proposal on a meeting's agenda may be decided without an
    online vote: it passes through "being voted on" then, so the history stays complete.
    """
    # Who may decide is the caller's check (the page and the API ask for a facilitator; a
    # meeting's session or a ballot's closing is its own authority): ``actor`` is recorded.
    lock(proposal)
    errors: dict[str, list[str]] = {}
    try:
        outcome = Outcome(outcome)
    except ValueError:
        errors["outcome"] = [_("Adopted or rejected.")]
    source = clean_text(source, "source", errors, maximum=SOURCE_MAX)
    if not isinstance(decided_on, date):
        errors["decided_on"] = [_("A date is required.")]
    elif decided_on > local_today():
        errors["decided_on"] = [_("A decision cannot be dated in the future.")]
    text = clean_text(proposal.body if text is None else text, "text", errors, maximum=BODY_MAX)
    raise_if(errors, _("The decision could not be recorded."))
    if proposal.state_enum not in (S.SCHEDULED, S.VOTING):
        raise Conflict(_("Only a proposal scheduled for decision or being voted on can be decided."))
    require_level_may_decide(proposal.matter, proposal.level)
    if proposal.state_enum is S.SCHEDULED:
        proposals._move(proposal, S.VOTING, actor, _("Decided at: %(source)s", source=source),
                        notify_followers=False)
    record = DecisionRecord(
        proposal_id=proposal.id, level_id=proposal.level_id, outcome=outcome.value, decided_on=decided_on,
        text=text, source=source, recorded_at=utcnow(), follow_up_status=FollowUpStatus.TODO.value,
        updated_at=utcnow(),
    )
    db.session.add(record)
    to_state = S.ADOPTED if outcome is Outcome.ADOPTED else S.REJECTED
    proposals._move(proposal, to_state, actor, _("Decision: %(source)s, %(day)s", source=source,
                                                 day=decided_on.isoformat()))
    return record


def get_record(record_id: int) -> DecisionRecord:
    record = db.session.get(DecisionRecord, record_id)
    if record is None:
        raise NotFound(_("No such decision."))
    return record


def update_follow_up(record: DecisionRecord, actor: Member, *, responsible_id=None, due_on=None,
                     status=None, note: str | None = None, clear_responsible: bool = False,
                     clear_due_on: bool = False) -> DecisionRecord:
    """Facilitators set who follows it up and by when; the responsible member updates its status."""
    policy.require(actor, "register.follow_up", record)
    facilitator = policy.can(actor, "proposals.facilitate")
    errors: dict[str, list[str]] = {}
    responsible = None
    if responsible_id not in (None, ""):
        try:
            responsible = db.session.get(Member, int(responsible_id))
        except (TypeError, ValueError):
            responsible = None
        if responsible is None:
            errors["responsible_id"] = [_("Unknown member.")]
    if due_on is not None and not isinstance(due_on, date):
        errors["due_on"] = [_("A date is required.")]
    elif due_on is not None and due_on < record.decided_on:
        errors["due_on"] = [_("The due date comes before the decision.")]
    if status not in (None, ""):
        try:
            status = FollowUpStatus(status)
        except ValueError:
            errors["status"] = [_("To do, in progress or done.")]
    note = clean_text(note, "note", errors, maximum=REASON_MAX, required=False) if note is not None else None
    if not facilitator and (responsible is not None or due_on is not None or clear_responsible or clear_due_on):
        errors.setdefault("responsible_id", []).append(
            _("Only the facilitators choose who follows a decision up and by when."))
    raise_if(errors, _("The follow-up was not saved."))
    newly_responsible = responsible is not None and responsible.id != record.responsible_id
    if responsible is not None or clear_responsible:
        record.responsible = responsible
    if due_on is not None or clear_due_on:
        record.due_on = due_on
    if status not in (None, ""):
        record.follow_up_status = status.value
    if note is not None:
        record.follow_up_note = note
    record.updated_at = utcnow()
    db.session.flush()
    if newly_responsible and responsible.id != actor.id:
        notify.follow_up_assigned(record, responsible)
    return record


def parse_date(raw, field: str) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidInput(_("Dates are written YYYY-MM-DD."), fields={field: [_("Invalid date.")]}) from None


def register_query(*, level_id=None, theme_id=None, matter_id=None, status=None, outcome=None,
                   decided_from: date | None = None, decided_to: date | None = None, text: str | None = None):
    """Register lines, newest first, filtered; every filter is checked and a bad one is refused."""
    query = (
        select(DecisionRecord).join(Proposal, Proposal.id == DecisionRecord.proposal_id)
        .options(selectinload(DecisionRecord.proposal).selectinload(Proposal.themes),
                 selectinload(DecisionRecord.proposal).selectinload(Proposal.matter),
                 selectinload(DecisionRecord.level), selectinload(DecisionRecord.responsible))
    )
    errors: dict[str, list[str]] = {}

    def number(value, field, model):
        if value in (None, ""):
            return None
        try:
            found = db.session.get(model, int(value))
        except (TypeError, ValueError):
            found = None
        if found is None:
            errors[field] = [_("Unknown value.")]
        return found

    level, theme, matter = number(level_id, "level", Level), number(theme_id, "theme", Theme), \
        number(matter_id, "matter", Matter)
    if status not in (None, "") and status not in {item.value for item in FollowUpStatus}:
        errors["status"] = [_("Unknown value.")]
    if outcome not in (None, "") and outcome not in {item.value for item in Outcome}:
        errors["outcome"] = [_("Unknown value.")]
    if decided_from and decided_to and decided_from > decided_to:
        errors["to"] = [_("The end date comes before the start date.")]
    raise_if(errors, _("The filters are not valid."))
    if level is not None:
        query = query.where(DecisionRecord.level_id == level.id)
    if theme is not None:
        query = query.where(Proposal.themes.any(Theme.id == theme.id))
    if matter is not None:
        query = query.where(Proposal.matter_id == matter.id)
    if status:
        query = query.where(DecisionRecord.follow_up_status == status)
    if outcome:
        query = query.where(DecisionRecord.outcome == outcome)
    if decided_from:
        query = query.where(DecisionRecord.decided_on >= decided_from)
    if decided_to:
        query = query.where(DecisionRecord.decided_on <= decided_to)
    if text:
        matching = search.matching(text, "proposal")
        if matching is None:
            return query.where(False)
        # autoescape: a % or _ typed in the search box is a character to find, not a wildcard.
        term = text.strip().lower()
        query = query.where(or_(Proposal.id.in_(select(matching.subquery().c.doc_id)),
                                func.lower(DecisionRecord.text).contains(term, autoescape=True),
                                func.lower(DecisionRecord.source).contains(term, autoescape=True)))
    return query.order_by(DecisionRecord.decided_on.desc(), DecisionRecord.id.desc())


CSV_COLUMNS = ("number", "decided_on", "outcome", "level", "matter", "themes", "title", "text", "source",
               "responsible", "due_on", "follow_up")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula would run in a spreadsheet (CSV injection): quote it.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def register_csv(records) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Number"), _("Decided on"), _("Outcome"), _("Level"), _("Matter"), _("Themes"), _("Title"),
                     _("Text as decided"), _("Source"), _("Responsible"), _("Due on"), _("Follow-up")])
    for record in records:
        proposal = record.proposal
        writer.writerow([_cell(value) for value in (
            record.id, record.decided_on.isoformat(), outcome_label(record.outcome), level_label(record.level),
            matter_label(proposal.matter), ", ".join(theme.label for theme in proposal.themes), proposal.title,
            record.text, record.source, record.responsible.full_name if record.responsible else "",
            record.due_on.isoformat() if record.due_on else "", follow_up_label(record.follow_up_status),
        )])
    # A byte-order mark, so spreadsheet programs read the accents as UTF-8.
    return "\ufeff" + out.getvalue()
