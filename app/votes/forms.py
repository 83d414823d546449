"""Forms of the ballot pages, the labels they show, and the reading of a vote from a form.

Flask-WTF gives every form its CSRF token. The vote form's fields depend on the ballot's
method, so they are read by `choice_from_form`, which builds the same choice dict the API
and the websocket send; `services.cast_vote` then validates it once for all three doors.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.errors import InvalidInput
from app.governance.models import MajorityBase, Method, Secrecy
from app.timeutil import local_zone
from app.votes.models import BallotState, SubjectKind, Visibility

# --- labels shown to members (English source strings, translated by the catalogue) -----------

METHOD_LABELS = {
    Method.YES_NO: _l("For / against / abstention"),
    Method.CONSENT: _l("Consent (objections with reasons)"),
    Method.MAJORITY_JUDGMENT: _l("Majority judgment (grades)"),
    Method.SCHULZE: _l("Ranked choice (Condorcet–Schulze)"),
    Method.APPROVAL: _l("Approval (any number of names)"),
    Method.SINGLE_CHOICE: _l("Single choice (one name per seat)"),
}
SECRECY_LABELS = {Secrecy.NAMED: _l("Named vote"), Secrecy.SECRET: _l("Secret ballot")}
VISIBILITY_LABELS = {
    Visibility.LIVE: _l("Live: the tally is shown while voting is open"),
    Visibility.AFTER_CLOSE: _l("After closing: only turnout until the ballot closes"),
}
STATE_LABELS = {
    BallotState.DRAFT: _l("Draft"),
    BallotState.OPEN: _l("Open"),
    BallotState.CLOSED: _l("Closed"),
    BallotState.PUBLISHED: _l("Published"),
    BallotState.CANCELLED: _l("Cancelled"),
}
SUBJECT_LABELS = {
    SubjectKind.QUESTION: _l("A question"),
    SubjectKind.RESOLUTION: _l("A resolution"),
    SubjectKind.ELECTION: _l("An election of persons"),
    SubjectKind.PROPOSAL: _l("A proposal"),
    SubjectKind.AMENDMENT: _l("An amendment"),
}
BASE_LABELS = {
    MajorityBase.VOTES_CAST: _l("votes cast (abstentions and blanks not counted)"),
    MajorityBase.PRESENT_OR_REPRESENTED: _l("members present or represented (an abstention weighs as a no)"),
    MajorityBase.WHOLE_ELECTORATE: _l("the whole electorate"),
}
YES_NO_LABELS = {"for": _l("For"), "against": _l("Against"), "abstain": _l("Abstention"), "blank": _l("Blank")}
CONSENT_LABELS = {"consent": _l("I consent"), "objection": _l("I object")}
# Index = the engine's grade value (0 is the best), as app.votes.methods.Grade.
GRADE_NAMES = (_l("Excellent"), _l("Very good"), _l("Good"), _l("Fairly good"), _l("Passable"),
               _l("Insufficient"), _l("Reject"))

# Majority rules offered on the creation form: value -> (threshold, strict).
MAJORITY_CHOICES = {
    "half": ((1, 2), True),
    "two_thirds": ((2, 3), False),
    "three_quarters": ((3, 4), False),
    "unanimity": ((1, 1), False),
}


def _choices(labels: dict, *, default: str | None = None) -> list[tuple[str, str]]:
    choices = [("", default)] if default is not None else []
    return choices + [(str(value), label) for value, label in labels.items()]


class BallotForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    question = TextAreaField(_l("Question put to the vote"), validators=[Optional(), Length(max=5000)])
    subject_kind = SelectField(_l("What is voted on"), default=SubjectKind.QUESTION.value, choices=lambda: [
        (k.value, SUBJECT_LABELS[k]) for k in (SubjectKind.QUESTION, SubjectKind.RESOLUTION, SubjectKind.ELECTION)])
    level = SelectField(_l("Level of governance"))
    method = SelectField(_l("Voting method"),
                         choices=lambda: _choices(METHOD_LABELS, default=_l("The level's default")))
    secrecy = SelectField(_l("Secrecy"), choices=lambda: _choices(SECRECY_LABELS, default=_l("The level's default")))
    visibility = SelectField(_l("Results visible"), default=Visibility.AFTER_CLOSE.value,
                             choices=lambda: _choices(VISIBILITY_LABELS))
    changeable = BooleanField(_l("Voters may change their vote until closing (named votes only)"))
    options = TextAreaField(_l("Options, one per line"), validators=[Optional(), Length(max=20000)])
    seats = IntegerField(_l("Seats to fill"), default=1, validators=[InputRequired(), NumberRange(min=1, max=1000)])
    opens_at = DateTimeLocalField(_l("Opens at (local time)"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at (local time)"), validators=[Optional()])
    context = StringField(_l("Sitting (for proxies), e.g. ag-2026"), validators=[Optional(), Length(max=64)])
    majority = SelectField(_l("Majority required"), choices=lambda: [
        ("", _l("The level's rule")), ("half", _l("More than half")), ("two_thirds", _l("Two thirds")),
        ("three_quarters", _l("Three quarters")), ("unanimity", _l("Unanimity"))])
    majority_base = SelectField(_l("Majority of"),
                                choices=lambda: _choices(BASE_LABELS, default=_l("The level's rule")))


class CloseForm(FlaskForm):
    present_or_represented = IntegerField(
        _l("Members present or represented (meetings only)"), validators=[Optional(), NumberRange(min=0)])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Why is the ballot cancelled?"), validators=[DataRequired(), Length(max=2000)])


class ActionForm(FlaskForm):
    """Open, publish: a button and its CSRF token."""


class VoteForm(FlaskForm):
    key = HiddenField()
    on_behalf_of = HiddenField()


class ProxyForm(FlaskForm):
    context = StringField(_l("Sitting"), validators=[DataRequired(), Length(max=64)])
    level = SelectField(_l("Level of governance"))
    day = DateField(_l("Date of the sitting"), validators=[InputRequired()])
    grantor_id = SelectField(_l("Member giving the proxy"), coerce=str, validate_choice=False)
    holder_id = SelectField(_l("Holder (leave empty for a blank proxy)"), coerce=str, validate_choice=False)
    document = TextAreaField(_l("How it was given (document, reference)"), validators=[Optional(), Length(max=2000)])


# --- local time <-> UTC ----------------------------------------------------------------------


def local_to_utc(value: datetime | None, field: str) -> datetime | None:
    """A wall-clock time of the cooperative (Europe/Paris) as an aware UTC datetime."""
    if value is None:
        return None
    zone = local_zone()
    aware = value.replace(tzinfo=zone)
    # A time skipped when clocks go forward does not survive the round trip: say so.
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
        message = _("This time does not exist in %(zone)s (the clocks change that night).", zone=zone.key)
        raise InvalidInput(message, fields={field: [message]})
    return aware.astimezone(UTC)


def utc_to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_zone()).replace(tzinfo=None) if value else None


# --- a vote from a form ------------------------------------------------------------------------


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _integer(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValueError(raw)
    return int(raw)


def choice_from_form(ballot, form: MultiDict) -> dict:
    """The choice dict of the API (see content.py) from the ballot page's fields."""
    method = Method(ballot.method)
    if method in (Method.YES_NO, Method.CONSENT):
        choice = form.get("choice")
        if not choice:
            raise _refuse("choice", _("Choose one answer."))
        result = {"choice": choice}
        if method is Method.CONSENT and choice == "objection":
            result["reason"] = form.get("reason", "")
        return result
    if method is Method.MAJORITY_JUDGMENT:
        grades = {}
        missing = []
        for option in ballot.options:
            try:
                grade = _integer(form.get(f"grade-{option.id}"))
            except ValueError:
                raise _refuse("grades", _("Unknown grade.")) from None
            if grade is None:
                missing.append(option.label)
            else:
                grades[str(option.id)] = grade
        if missing:
            raise _refuse("grades", _("Give a grade to every option; missing: %(options)s.",
                                      options=", ".join(missing)))
        return {"grades": grades}
    if method is Method.SCHULZE:
        ranks: dict[int, list[int]] = {}
        for option in ballot.options:
            try:
                rank = _integer(form.get(f"rank-{option.id}"))
            except ValueError:
                raise _refuse("ranking", _("A rank is a whole number.")) from None
            if rank is not None:
                if not 1 <= rank <= len(ballot.options):
                    raise _refuse("ranking", _("Ranks go from 1 to %(n)d.", n=len(ballot.options)))
                ranks.setdefault(rank, []).append(option.id)
        # Equal numbers are ties; gaps between numbers do not matter, only the order does.
        return {"ranking": [ranks[rank] for rank in sorted(ranks)]}
    chosen = []
    for raw in form.getlist("chosen"):
        try:
            value = _integer(raw)
        except ValueError:
            raise _refuse("chosen", _("Unknown option.")) from None
        if value is not None:
            chosen.append(value)
    return {"chosen": chosen}


def form_values(ballot, content: dict | None) -> MultiDict:
    """The fields of a vote form filled with a stored vote (to change a named vote)."""
    if not content:
        return MultiDict()
    method = Method(ballot.method)
    if method in (Method.YES_NO, Method.CONSENT):
        return MultiDict({k: v for k, v in content.items() if k in ("choice", "reason")})
    if method is Method.MAJORITY_JUDGMENT:
        return MultiDict({f"grade-{k}": str(v) for k, v in content.get("grades", {}).items()})
    if method is Method.SCHULZE:
        values = MultiDict()
        for rank, group in enumerate(content.get("ranking", []), start=1):
            for option_id in group:
                values[f"rank-{option_id}"] = str(rank)
        return values
    return MultiDict([("chosen", str(option_id)) for option_id in content.get("chosen", [])])


def describe_vote(ballot, content: dict) -> str:
    """A stored vote in words, for a found receipt and the named-votes export."""
    method = Method(ballot.method)
    labels = {option.id: option.label for option in ballot.options}
    if method is Method.YES_NO:
        return str(YES_NO_LABELS.get(content.get("choice"), content.get("choice")))
    if method is Method.CONSENT:
        if content.get("choice") == "objection":
            return _("Objection: %(reason)s", reason=content.get("reason", ""))
        return str(CONSENT_LABELS["consent"])
    if method is Method.MAJORITY_JUDGMENT:
        grades = content.get("grades", {})
        return "; ".join(f"{labels[o.id]}: {GRADE_NAMES[grades[str(o.id)]]}" for o in ballot.options
                         if str(o.id) in grades)
    if method is Method.SCHULZE:
        groups = [" = ".join(labels.get(i, str(i)) for i in group) for group in content.get("ranking", [])]
        return " > ".join(groups) if groups else _("(nothing ranked)")
    chosen = [labels.get(i, str(i)) for i in content.get("chosen", [])]
    return ", ".join(chosen) if chosen else _("(no name: blank)")
