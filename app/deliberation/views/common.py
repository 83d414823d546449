"""Helpers of the deliberation pages."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache, wraps

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app import policy
from app.deliberation.labels import STANCE_LABELS, stance_label
from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.i18n import datetime_formatter
from app.timeutil import local_zone


def member():
    return current_user._get_current_object()


def refused_then_back(target):
    """Run a POST action; on a refusal, roll back, say why, and go back to ``target(**kwargs)``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except DomainError as error:
                db.session.rollback()
                messages = [error.message]
                if isinstance(error, InvalidInput):
                    messages += [message for values in error.fields.values() for message in values]
                flash(" ".join(messages), "error")
                return redirect(target(**kwargs))

        return wrapper

    return decorate


def from_local(value: datetime | None) -> datetime | None:
    """A time typed in the cooperative's zone (a datetime-local field), as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_zone()).replace(tzinfo=None) if value else None


def ids(name: str) -> list[str]:
    return request.form.getlist(name)


class CommentView:
    """What every comment block of one rendering shares, looked up once rather than per comment.

    The labels in the member's language, the URLs, the date formatter and the viewer: a page of
    300 comments otherwise asks Flask's context (locale, user, URL map) thousands of times.
    Used by the macro of deliberation/_comments.html, for the page and for the live fragment.
    """

    def __init__(self, proposal):
        self.viewer = member()
        self.viewer_id = self.viewer.id
        self.may_reply = proposal.state in ("debate", "preparation", "scheduled")
        self.reply_url = url_for("deliberation.proposal_page", proposal_id=proposal.id)
        self._history_url = url_for("deliberation.comment_history", comment_id=0)
        self.when = datetime_formatter("short")
        self.stances = {stance.value: str(label) for stance, label in STANCE_LABELS.items()}
        self.reply, self.edited, self.edit, self.withdraw = _("Reply"), _("edited"), _("Edit"), _("Withdraw")
        self._macro = None

    def render(self, comment, reply: bool):
        """The macro comment_block of deliberation/_comments.html, for this view."""
        if self._macro is None:
            self._macro = current_app.jinja_env.get_template("deliberation/_comments.html").module.comment_block
        return self._macro(comment, reply, self)

    def stance(self, value) -> str:
        label = self.stances.get(value)
        return label if label is not None else stance_label(value)

    def history_url(self, comment_id: int) -> str:
        return self._history_url.replace("/0/", f"/{comment_id}/")

    def may_edit(self, comment) -> bool:
        """Asked of the viewer's own comments only (the policy's answer for the others is no)."""
        return comment.author_id == self.viewer_id and policy.can(self.viewer, "comments.edit", comment)

    @staticmethod
    def summary(comment) -> str:
        """`comment.body_html|striptags|truncate(200)`, for the arguments for and against."""
        return _summary(comment.body_html, 200, current_app.jinja_env.policies["truncate.leeway"])

    @staticmethod
    def version(comment) -> str:
        """Changes with an edit or a withdrawal: the live page compares it to know what to replace."""
        return (f"{comment.edited_at.isoformat() if comment.edited_at else ''}|"
                f"{comment.withdrawn_at.isoformat() if comment.withdrawn_at else ''}")


@lru_cache(maxsize=4096)
def _summary(html: str, length: int, leeway: int) -> str:
    # Markup.striptags runs regular expressions and unescapes entities: ~10 µs a comment, kept by
    # text (a pure function of its arguments; bounded).
    text = Markup(html).striptags()
    if len(text) <= length + leeway:
        return text
    return text[: length - 3].rsplit(" ", 1)[0] + "..."
