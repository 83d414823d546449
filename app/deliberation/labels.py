"""Labels of the deliberation words shown to members (English source, French catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.deliberation.models import AmendmentStatus, FollowUpStatus, Opinion, Outcome, ProposalState, Stance

STATE_LABELS = {
    ProposalState.DRAFT: _l("Draft"),
    ProposalState.DEBATE: _l("In debate"),
    ProposalState.PREPARATION: _l("In preparation"),
    ProposalState.SCHEDULED: _l("Scheduled for decision"),
    ProposalState.VOTING: _l("Being voted on"),
    ProposalState.ADOPTED: _l("Adopted"),
    ProposalState.REJECTED: _l("Rejected"),
    ProposalState.WITHDRAWN: _l("Withdrawn"),
}
STANCE_LABELS = {
    Stance.FOR: _l("For"),
    Stance.AGAINST: _l("Against"),
    Stance.QUESTION: _l("Question"),
    Stance.NEUTRAL: _l("Neutral"),
}
OPINION_LABELS = {
    Opinion.AGREE: _l("Agree"),
    Opinion.RESERVATION: _l("Reservation"),
    Opinion.DISAGREE: _l("Disagree"),
    Opinion.BLOCKING_OBJECTION: _l("Blocking objection"),
}
AMENDMENT_LABELS = {
    AmendmentStatus.PENDING: _l("Awaiting the authors"),
    AmendmentStatus.ACCEPTED: _l("Accepted"),
    AmendmentStatus.DECLINED: _l("Declined"),
    AmendmentStatus.WITHDRAWN: _l("Withdrawn by its author"),
}
OUTCOME_LABELS = {Outcome.ADOPTED: _l("Adopted"), Outcome.REJECTED: _l("Rejected")}
FOLLOW_UP_LABELS = {
    FollowUpStatus.TODO: _l("To do"),
    FollowUpStatus.IN_PROGRESS: _l("In progress"),
    FollowUpStatus.DONE: _l("Done"),
}


def _label(table, value) -> str:
    for key, label in table.items():
        if key.value == getattr(value, "value", value):
            return str(label)
    return str(value)


def state_label(value) -> str:
    return _label(STATE_LABELS, value)


def stance_label(value) -> str:
    return _label(STANCE_LABELS, value)


def opinion_label(value) -> str:
    return _label(OPINION_LABELS, value)


def amendment_label(value) -> str:
    return _label(AMENDMENT_LABELS, value)


def outcome_label(value) -> str:
    return _label(OUTCOME_LABELS, value)


def follow_up_label(value) -> str:
    return _label(FOLLOW_UP_LABELS, value)
