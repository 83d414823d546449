"""Forms of the deliberation pages (Flask-WTF: CSRF on every form).

The forms only parse; the limits and rules live in the services, whose field errors are
shown next to the fields (show_errors), so page and API refuse the same inputs.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from app.deliberation.labels import FOLLOW_UP_LABELS, OPINION_LABELS, OUTCOME_LABELS, STANCE_LABELS


def _choices(labels):
    return [(key.value, label) for key, label in labels.items()]


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary (a few lines)"))
    body = TextAreaField(_l("Text of the proposal (Markdown)"), render_kw={"rows": 16})
    matter_id = SelectField(_l("Matter"), coerce=str, validate_choice=False)
    level_id = SelectField(_l("Level where it is debated"), coerce=str, validate_choice=False)
    themes = SelectMultipleField(_l("Themes"), coerce=str, validate_choice=False)
    coauthors = SelectMultipleField(_l("Co-authors"), coerce=str, validate_choice=False)


class EditProposalForm(ProposalForm):
    note = StringField(_l("What changed (optional)"))
    base_revision = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Why (recorded in the history)"), render_kw={"rows": 2})


class ScheduleOnlineForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("Opens (Paris time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes (Paris time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    reason = TextAreaField(_l("Why (recorded in the history)"), render_kw={"rows": 2})


class ScheduleMeetingForm(FlaskForm):
    meeting_ref = StringField(_l("Meeting (e.g. «Seminar of March 2026»)"))
    reason = TextAreaField(_l("Why (recorded in the history)"), render_kw={"rows": 2})


class CommentForm(FlaskForm):
    stance = RadioField(_l("My stance"), choices=_choices(STANCE_LABELS), default="neutral",
                        validate_choice=False)
    body = TextAreaField(_l("Comment"), render_kw={"rows": 4})
    parent_id = HiddenField()


class SenseCheckForm(FlaskForm):
    opinion = RadioField(_l("My sense check"), choices=_choices(OPINION_LABELS), validate_choice=False)
    reason = TextAreaField(_l("Reason (required for a blocking objection)"), render_kw={"rows": 2})


class AmendmentForm(FlaskForm):
    body = TextAreaField(_l("Proposed text (replaces the whole text)"), render_kw={"rows": 16})
    rationale = TextAreaField(_l("Why this change"), render_kw={"rows": 3})
    base_revision = HiddenField()
    # Position of the amended section in the base revision ("": the whole text); chosen with
    # the GET form above, which reloads the page with that section's text.
    section = HiddenField()


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=_choices(OUTCOME_LABELS), validate_choice=False)
    decided_on = DateField(_l("Decided on"), validators=[InputRequired()])
    source = StringField(_l("Where it was decided (meeting or ballot reference)"))
    text = TextAreaField(_l("Text as decided"), render_kw={"rows": 10})


class FollowUpForm(FlaskForm):
    responsible_id = SelectField(_l("Responsible member"), coerce=str, validate_choice=False)
    due_on = DateField(_l("Due on"), validators=[Optional()])
    status = SelectField(_l("Follow-up"), choices=_choices(FOLLOW_UP_LABELS), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"rows": 3})
