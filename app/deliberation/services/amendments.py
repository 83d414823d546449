"""Amendments: a replacement text for the body, accepted (a new revision) or declined."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app import policy
from app.deliberation import diff, events
from app.deliberation.labels import amendment_label, state_label
from app.deliberation.models import Amendment, AmendmentStatus, Proposal, ProposalState, Revision
from app.deliberation.services import proposals
from app.deliberation.services.common import BODY_MAX, RATIONALE_MAX, REASON_MAX, clean_text, raise_if
from app.errors import Conflict, NotFound
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


def propose_amendment(proposal: Proposal, author: Member, body: str, rationale: str = "",
                      base_revision: int | None = None) -> Amendment:
    """A replacement for the body of the current revision (or of ``base_revision``, which must be it)."""
    policy.require(author, "amendments.propose", proposal)
    _require_amendable(proposal)
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, maximum=BODY_MAX)
    rationale = clean_text(rationale, "rationale", errors, maximum=RATIONALE_MAX, required=False)
    if body and body == proposal.body:
        errors.setdefault("body", []).append(_("The text is the same as the current one: nothing to amend."))
    raise_if(errors, _("The amendment could not be proposed."))
    if base_revision is not None and base_revision != proposal.revision_number:
        raise proposals.StaleEdit(proposal, base_revision)
    amendment = Amendment(
        proposal_id=proposal.id, author=author, base_revision_number=proposal.revision_number, body=body,
        rationale=rationale, diff_html=str(diff.word_diff(proposal.body, body, context=AMENDMENT_CONTEXT)),
        status=A.PENDING.value, created_at=utcnow(),
    )
    db.session.add(amendment)
    db.session.flush()
    events.amendment_changed(amendment, "added")
    return amendment


def accept_amendment(amendment: Amendment, actor: Member, reason: str = "") -> Revision:
    """The authors take the amendment: its text becomes the next revision of the body.

    Written against an older revision, it would silently undo the changes made since;
    it is refused instead, with the current text (StaleEdit), and stays pending.
    """
    proposal = db.session.get(Proposal, amendment.proposal_id)
    policy.require(actor, "amendments.decide", proposal)
    _require_amendable(proposal)
    _require_pending(amendment)
    reason = _reason(reason)
    if amendment.base_revision_number != proposal.revision_number:
        raise proposals.StaleEdit(proposal, amendment.base_revision_number)
    revision = proposals.edit_proposal(
        proposal, actor, base_revision=amendment.base_revision_number, title=proposal.title,
        summary=proposal.summary, body=amendment.body,
        note=_("Amendment #%(id)d by %(author)s accepted", id=amendment.id, author=amendment.author.full_name),
    )
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
