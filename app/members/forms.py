"""Forms of the members pages (Flask-WTF: CSRF on every form)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.i18n import ROLE_LABELS, STATUS_LABELS


def status_choices():
    return [(value, label) for value, label in STATUS_LABELS.items()]


def language_choices():
    return [("", _l("Automatic (browser)")), ("fr", "Français"), ("en", "English")]


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("Confirm the password"), validators=[DataRequired()])


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    bio = TextAreaField(_l("About me"), validators=[Optional(), Length(max=5000)])
    skills = StringField(_l("Skills (separated by commas)"), validators=[Optional(), Length(max=2000)])
    themes = StringField(_l("Themes of interest (separated by commas)"), validators=[Optional(), Length(max=2000)])
    language = SelectField(_l("Interface language"), choices=language_choices, validate_choice=True)


class NewMemberForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])
    status = SelectField(_l("Status"), choices=status_choices)
    status_since = DateField(_l("Status since"), validators=[InputRequired()])
    shares = IntegerField(_l("Shares held"), default=0, validators=[InputRequired(), NumberRange(min=0)])


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=status_choices)
    effective_on = DateField(_l("Effective from"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class SharesForm(FlaskForm):
    shares = IntegerField(_l("Shares held"), validators=[InputRequired(), NumberRange(min=0)])


class RoleForm(FlaskForm):
    kind = SelectField(_l("Role"), choices=lambda: list(ROLE_LABELS.items()))
    starts_on = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("Until"), validators=[Optional()])
    tutee_id = SelectField(_l("Newcomer followed (tutors only)"), coerce=str, validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class ImportForm(FlaskForm):
    # The name's extension is a first hint only: the importer checks the content itself.
    file = FileField(_l("CSV file"), validators=[
        FileRequired(), FileAllowed(["csv", "txt", "tsv"], _l("Choose a CSV file (.csv, .txt or .tsv)."))])
