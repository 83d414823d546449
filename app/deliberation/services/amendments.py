"""Amendments: a replacement text for the body or for one section of it, accepted (a new
revision) or declined."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app import policy
from app.deliberation import diff, events, sections
from app.deliberation.labels import amendment_label, state_label
from app.deliberation.models import Amendment, AmendmentStatus, Proposal, ProposalState, Revision
from app.deliberation.services import proposals
from app.deliberation.services.common import BODY_MAX, RATIONALE_MAX, REASON_MAX, clean_text, raise_if
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.members.models import Member
from app.timeutil import utcnow

S = ProposalState
A = AmendmentStatus
AMENDABLE_STATES = (S.DEBATE, S.PREPARATION)
# Tokens (words and spaces) of unchanged text kept around each change in an amendment's diff.
AMENDMENT_CONTEXT = 24


def get_amendment(amendment_id: int) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None:
        raise NotFound(_("No such amendment."))
    return amendment


def _require_amendable(proposal: Proposal) -> None:
    if proposal.state_enum not in AMENDABLE_STATES:
        raise Conflict(_("Amendments are proposed and decided while the proposal is «%(a)s» or «%(b)s»; it is "
                         "«%(state)s».", a=state_label(S.DEBATE), b=state_label(S.PREPARATION),
                         state=state_label(proposal.state)))


def _require_pending(amendment: Amendment) -> None:
    if amendment.status != A.PENDING.value:
        raise Conflict(_("This amendment is already «%(status)s».", status=amendment_label(amendment.status)))


class SectionConflict(Conflict):
    """The amended section is gone or was changed since the amendment was written: splicing it
    in would undo or misplace those changes, so nothing is changed and it stays pending."""

    def __init__(self, message: str, proposal: Proposal, current_section: str | None):
        fields = {"section": [message], "current_revision": [str(proposal.revision_number)]}
        if current_section is not None:
            fields["current_section"] = [current_section]
        super().__init__(message, fields=fields)
        self.current_revision = proposal.revision_number
        self.current_section = current_section


def parse_section(value, body: str, errors: dict[str, list[str]]) -> sections.Section | None:
    """The section chosen by its position (1 = first heading of ``body``); None, "" or 0: the whole text."""
    if isinstance(value, str):
        value = int(value) if value.strip().isdecimal() else value.strip() or None
    if value is None or (type(value) is int and value == 0):
        return None
    found = sections.parse_sections(body)
    if type(value) is not int or not 1 <= value <= len(found):
        if found:
            message = _("Choose the whole text or a section from 1 to %(n)d.", n=len(found))
        else:
            message = _("This text has no headings: only the whole text can be amended.")
        errors.setdefault("section", []).append(message)
        return None
    return found[value - 1]


def section_choices(body: str) -> list[tuple[str, str]]:
    """("position", label) of each section of ``body``, indented by level, for a select."""
    return [(str(section.position), "\u00a0\u00a0" * (section.level - 1)
             + (section.heading or _("(untitled heading %(n)d)", n=section.position)))
            for section in sections.parse_sections(body)]


def section_text(body: str, position) -> str | None:
    """The text of the section at ``position`` of ``body`` (None: no such section)."""
    found = parse_section(position, body, {})
    return found.text(body) if found else None


def propose_amendment(proposal: Proposal, author: Member, body: str, rationale: str = "",
                      base_revision: int | None = None, section=None) -> Amendment:
    """A replacement for the body of the current revision (or of ``base_revision``, which must be it).

    With ``section`` (the position of a heading in that body, 1 for the first), it replaces
    that section only: the heading line and everything up to the next heading of the same or
    a higher level.
    """
    policy.require(author, "amendments.propose", proposal)
    _require_amendable(proposal)
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, maximum=BODY_MAX)
    rationale = clean_text(rationale, "rationale", errors, maximum=RATIONALE_MAX, required=False)
    if base_revision is not None and (not isinstance(base_revision, int) or isinstance(base_revision, bool)):
        errors.setdefault("base_revision", []).append(_("Say which revision the amendment was written on."))
    target = parse_section(section, proposal.body, errors)
    original = target.text(proposal.body) if target else proposal.body
    if body and body == original:
        errors.setdefault("body", []).append(_("The text is the same as the current one: nothing to amend."))
    raise_if(errors, _("The amendment could not be proposed."))
    if base_revision is not None and base_revision != proposal.revision_number:
        raise proposals.StaleEdit(proposal, base_revision)
    amendment = Amendment(
        proposal_id=proposal.id, author=author, base_revision_number=proposal.revision_number, body=body,
        section_heading=target.heading if target else None, section_occurrence=target.occurrence if target else None,
        rationale=rationale, diff_html=str(diff.word_diff(original, body, context=AMENDMENT_CONTEXT)),
        status=A.PENDING.value, created_at=utcnow(),
    )
    db.session.add(amendment)
    db.session.flush()
    events.amendment_changed(amendment, "added")
    return amendment


def _spliced_body(amendment: Amendment, proposal: Proposal) -> str:
    """The current body with the amended section replaced, or SectionConflict.

    The section is looked up by heading and occurrence in the base revision and in the
    current body; the amendment applies only if its text there is unchanged since.
    """
    heading = amendment.section_heading or _("(untitled heading)")
    current = sections.find(proposal.body, amendment.section_heading, amendment.section_occurrence)
    if current is None:
        raise SectionConflict(_("The section «%(heading)s» no longer exists in the current text (revision "
                                "%(n)d): the amendment cannot be applied.", heading=heading,
                                n=proposal.revision_number), proposal, None)
    base_body = proposals.revision(proposal, amendment.base_revision_number).body
    base = sections.find(base_body, amendment.section_heading, amendment.section_occurrence)
    if base is None or base.text(base_body) != current.text(proposal.body):
        raise SectionConflict(_("The section «%(heading)s» was changed after revision %(base)d, on which the "
                                "amendment was written: the amendment cannot be applied as it stands.",
                                heading=heading, base=amendment.base_revision_number),
                              proposal, current.text(proposal.body))
    return sections.splice(proposal.body, current, amendment.body)


def accept_amendment(amendment: Amendment, actor: Member, reason: str = "") -> Revision:
    """The authors take the amendment: its text becomes the next revision of the body.

    A whole-body amendment written against an older revision would silently undo the changes
    made since; it is refused instead, with the current text (StaleEdit), and stays pending.
    A section amendment is spliced into the current body if that section is unchanged since
    its base revision (other sections may have changed); otherwise SectionConflict.
    """
    proposal = db.session.get(Proposal, amendment.proposal_id)
    policy.require(actor, "amendments.decide", proposal)
    _require_amendable(proposal)
    _require_pending(amendment)
    reason = _reason(reason)
    if amendment.is_section:
        body = _spliced_body(amendment, proposal)
    elif amendment.base_revision_number != proposal.revision_number:
        raise proposals.StaleEdit(proposal, amendment.base_revision_number)
    else:
        body = amendment.body
    try:
        revision = proposals.edit_proposal(
            proposal, actor, base_revision=proposal.revision_number, title=proposal.title,
            summary=proposal.summary, body=body,
            note=_("Amendment #%(id)d by %(author)s accepted", id=amendment.id, author=amendment.author.full_name),
        )
    except InvalidInput as error:
        # Only the spliced body can fail here (longer than the limit): say it on the amendment.
        raise InvalidInput(_("The amendment could not be accepted."), fields=error.fields) from error
    if revision is None:
        # The section already reads like this (e.g. another amendment said the same): no new revision.
        raise Conflict(_("The current text already reads as this amendment proposes: decline or withdraw it."))
    revision.amendment_id = amendment.id
    amendment.status, amendment.decided_by, amendment.decided_at = A.ACCEPTED.value, actor, utcnow()
    amendment.decision_reason = reason
    db.session.flush()
    events.amendment_changed(amendment, "accepted")
    return revision


def decline_amendment(amendment: Amendment, actor: Member, reason: str = "") -> Amendment:
    """The authors decline it; it stays on file and may later be put to the vote."""
    proposal = db.session.get(Proposal, amendment.proposal_id)
    policy.require(actor, "amendments.decide", proposal)
    _require_amendable(proposal)
    _require_pending(amendment)
    amendment.decision_reason = _reason(reason)
    amendment.status, amendment.decided_by, amendment.decided_at = A.DECLINED.value, actor, utcnow()
    db.session.flush()
    events.amendment_changed(amendment, "declined")
    return amendment


def withdraw_amendment(amendment: Amendment, actor: Member) -> Amendment:
    policy.require(actor, "amendments.withdraw", amendment)
    _require_pending(amendment)
    amendment.status, amendment.decided_at = A.WITHDRAWN.value, utcnow()
    db.session.flush()
    events.amendment_changed(amendment, "withdrawn")
    return amendment


def put_amendment_to_vote(amendment: Amendment, actor: Member, wanted: bool = True) -> Amendment:
    """Ask that a declined amendment be voted on before the main text at decision time."""
    policy.require(actor, "amendments.put_to_vote", amendment)
    if amendment.status != A.DECLINED.value:
        raise Conflict(_("Only a declined amendment is put to the vote; this one is «%(status)s».",
                         status=amendment_label(amendment.status)))
    proposal = db.session.get(Proposal, amendment.proposal_id)
    if proposal.state_enum.is_final or proposal.state_enum is S.VOTING:
        raise Conflict(_("The decision has begun: the list of amendments put to the vote is closed."))
    amendment.put_to_vote_at = utcnow() if wanted else None
    db.session.flush()
    events.amendment_changed(amendment, "to_vote" if wanted else "not_to_vote")
    return amendment


def amendments_for_vote(proposal: Proposal) -> list[Amendment]:
    """For the votes and meetings engines: declined amendments to vote on before the main text."""
    return list(db.session.scalars(
        select(Amendment).where(Amendment.proposal_id == proposal.id, Amendment.put_to_vote_at.is_not(None))
        .order_by(Amendment.put_to_vote_at, Amendment.id)
    ))


def _reason(reason) -> str:
    errors: dict[str, list[str]] = {}
    text = clean_text(reason, "reason", errors, maximum=REASON_MAX, required=False)
    raise_if(errors, _("Say why, in at most %(n)d characters.", n=REASON_MAX))
    return text
