"""Forms of the meetings' pages (Flask-WTF: CSRF and the first checks; the services decide)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.meetings.labels import CHECKIN_LABELS, ITEM_KIND_LABELS, KIND_LABELS, REPLY_LABELS
from app.votes.forms import METHOD_LABELS, SECRECY_LABELS, VISIBILITY_LABELS


class ActionForm(FlaskForm):
    """A button and its CSRF token; ids travel in hidden fields read by the view."""


class MeetingForm(FlaskForm):
    # A general assembly is planned from its own page, with its legal side.
    kind = SelectField(_l("Kind of meeting"),
                       choices=lambda: [(k, v) for k, v in KIND_LABELS.items() if k != "general_assembly"])
    level = SelectField(_l("Level (workgroups: the level prepared for)"), validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts at (local time)"), validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends at (local time)"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    remote_link = StringField(_l("Remote link (hybrid meetings)"), validators=[Optional(), Length(max=500)])
    facilitators = SelectMultipleField(_l("Facilitators"), coerce=str, validate_choice=False)
    secretary = SelectField(_l("Secretary (takes the notes)"), coerce=str, validate_choice=False)
    speaker_seconds = IntegerField(_l("Speaking time per speaker (seconds)"), default=180,
                                   validators=[InputRequired(), NumberRange(min=15, max=3600)])


class CalendarForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    day1 = DateField(_l("Seminar of the 1st quarter"), validators=[InputRequired()])
    day2 = DateField(_l("Seminar of the 2nd quarter"), validators=[InputRequired()])
    day3 = DateField(_l("Seminar of the 3rd quarter"), validators=[InputRequired()])
    day4 = DateField(_l("Seminar of the 4th quarter"), validators=[InputRequired()])
    starts = TimeField(_l("Starts at"), validators=[InputRequired()])
    ends = TimeField(_l("Ends at"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    facilitators = SelectMultipleField(_l("Facilitators"), coerce=str, validate_choice=False)
    secretary = SelectField(_l("Secretary"), coerce=str, validate_choice=False)


class ItemForm(FlaskForm):
    kind = SelectField(_l("Kind of item"), choices=lambda: [(k, v) for k, v in ITEM_KIND_LABELS.items()])
    proposal_id = SelectField(_l("Proposal (at this meeting's level)"), coerce=str, validate_choice=False)
    title = StringField(_l("Title (a proposal's title by default)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    duration_minutes = IntegerField(_l("Planned duration (minutes)"),
                                    validators=[Optional(), NumberRange(min=1, max=600)])


class DocumentForm(FlaskForm):
    doc_title = StringField(_l("Document title"), validators=[DataRequired(), Length(max=200)])
    doc_url = StringField(_l("Link to the document"), validators=[DataRequired(), Length(max=1000)])


class ReplyForm(FlaskForm):
    reply = RadioField(_l("Your answer"), choices=lambda: [(k, v) for k, v in REPLY_LABELS.items()],
                       validators=[InputRequired()])


class CheckinForm(FlaskForm):
    code = StringField(_l("Code shown on the screen"), validators=[DataRequired(), Length(max=32)])
    mode = RadioField(_l("I am"), default="on_site", choices=lambda: [(k, v) for k, v in CHECKIN_LABELS.items()])


class MarkPresentForm(FlaskForm):
    member_id = SelectField(_l("Member"), coerce=str, validate_choice=False)
    mode = SelectField(_l("Present"), default="on_site", choices=lambda: [(k, v) for k, v in CHECKIN_LABELS.items()])


class BallotOpenForm(FlaskForm):
    title = StringField(_l("Title (the item's by default)"), validators=[Optional(), Length(max=300)])
    question = TextAreaField(_l("Question put to the vote"), validators=[Optional(), Length(max=5000)])
    method = SelectField(_l("Voting method"), choices=lambda: [("", _l("The level's default"))]
                         + [(k, v) for k, v in METHOD_LABELS.items()])
    secrecy = SelectField(_l("Secrecy"), choices=lambda: [("", _l("The level's default"))]
                          + [(k, v) for k, v in SECRECY_LABELS.items()])
    visibility = SelectField(_l("Tally shown"), default="after_close",
                             choices=lambda: [(k, v) for k, v in VISIBILITY_LABELS.items()])
    options = TextAreaField(_l("Options or candidates, one per line"), validators=[Optional(), Length(max=20000)])
    seats = IntegerField(_l("Seats to fill"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100)])


class NotesForm(FlaskForm):
    item_id = HiddenField()
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20000)])


class SwapForm(FlaskForm):
    first_id = SelectField(_l("Member"), coerce=str, validate_choice=False)
    second_id = SelectField(_l("Swap with"), coerce=str, validate_choice=False)


class SeedForm(FlaskForm):
    seed = IntegerField(_l("Seed (the same seed gives the same trinômes)"),
                        validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])
