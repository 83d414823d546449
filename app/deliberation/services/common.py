"""Helpers shared by the deliberation services: text checks, loading, the clock."""

from __future__ import annotations

from flask_babel import gettext as _

from app.deliberation.models import Comment, Proposal
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.notifications.services import path_for as notices_path_for

TITLE_MAX = 200
SUMMARY_MAX = 1000
BODY_MAX = 100_000
COMMENT_MAX = 10_000
REASON_MAX = 2_000
NOTE_MAX = 500
RATIONALE_MAX = 5_000
SOURCE_MAX = 200


def clean_text(value, field: str, errors: dict[str, list[str]], *, maximum: int, required: bool = True,
               strip: bool = True) -> str:
    """The text, stripped; or records a field error (empty, too long, not text, NUL byte)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("Text expected."))
        return ""
    text = value.strip() if strip else value
    if "\x00" in text:
        # PostgreSQL cannot store it, and no keyboard types it: refuse rather than guess.
        errors.setdefault(field, []).append(_("Contains a NUL character, which cannot be stored."))
        return ""
    if required and not text.strip():
        errors.setdefault(field, []).append(_("Required."))
    elif len(text) > maximum:
        errors.setdefault(field, []).append(_("At most %(n)d characters (here %(len)d).", n=maximum, len=len(text)))
    # Windows line endings would show as changes in every diff.
    return text.replace("\r\n", "\n")


def raise_if(errors: dict[str, list[str]], message: str) -> None:
    if errors:
        raise InvalidInput(message, fields=errors)


def get_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("No such proposal."))
    return proposal


def get_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("No such comment."))
    return comment


def lock(proposal: Proposal) -> Proposal:
    """Re-read the proposal under a row lock (PostgreSQL): two moves of one proposal never
    interleave, so a petition reaching its threshold twice at once escalates it once."""
    db.session.flush()
    db.session.refresh(proposal, with_for_update=True)
    return proposal


path_for = notices_path_for
