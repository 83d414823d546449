"""E-mail: sent only once the transaction commits (app.after_commit).

A rolled-back request therefore never sends an invitation for a member who does not
exist. Delivery goes through Flask-Mail's SMTP client; without MAIL_SERVER the message
is written to the log (development). With MAIL_QUEUE=rq and REDIS_URL, an RQ worker
sends it, outside the request.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from flask import current_app, has_app_context
from flask_mail import Message

from app.after_commit import after_commit
from app.extensions import mail

log = logging.getLogger("facettes.mail")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    # (filename, content type, text): e.g. a meeting's .ics invitation.
    attachments: tuple[tuple[str, str, str], ...] = ()


def send_email(to: str, subject: str, body: str, attachments: tuple[tuple[str, str, str], ...] = ()) -> None:
    """Queue an e-mail for after the commit of the current transaction."""
    email = Email(to, subject, body, tuple(attachments))
    after_commit(lambda: dispatch(email))


def dispatch(email: Email) -> None:
    app = current_app._get_current_object()
    if app.config["MAIL_QUEUE"] == "rq" and app.config.get("REDIS_URL"):
        from app.jobs import queue

        queue().enqueue("app.notifications.mail.deliver_job", asdict(email))
    else:
        deliver(email)


def deliver(email: Email) -> None:
    app = current_app
    if not app.config.get("MAIL_SERVER"):
        log.info("E-mail (not sent, no MAIL_SERVER) to %s: %s\n%s", email.to, email.subject, email.body)
        return
    message = Message(subject=email.subject, recipients=[email.to], body=email.body)
    for filename, content_type, data in email.attachments:
        message.attach(filename, content_type, data)
    mail.send(message)


def deliver_job(payload: dict) -> None:
    """RQ entry point: the worker builds the application once and sends inside its context."""
    email = Email(**{**payload, "attachments": tuple(tuple(a) for a in payload.get("attachments", ()))})
    if has_app_context():  # a worker run inside an application (the tests' burst worker)
        deliver(email)
        return
    from app.jobs import job_app

    with job_app().app_context():
        deliver(email)
