"""E-mail: queued on the database session, sent only once the transaction commits.

A rolled-back request therefore never sends an invitation for a member who does not
exist. Delivery goes through Flask-Mail's SMTP client; without MAIL_SERVER the message
is written to the log (development). With MAIL_QUEUE=rq and REDIS_URL, an RQ worker
sends it, outside the request.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from flask import current_app
from flask_mail import Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db, mail

log = logging.getLogger("facettes.mail")
OUTBOX_KEY = "facettes_outbox"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def send_email(to: str, subject: str, body: str) -> None:
    """Queue an e-mail for after the commit of the current transaction."""
    db.session().info.setdefault(OUTBOX_KEY, []).append(Email(to, subject, body))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox = session.info.pop(OUTBOX_KEY, [])
    for email in outbox:
        dispatch(email)


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction) -> None:
    session.info.pop(OUTBOX_KEY, None)


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
    mail.send(message)


def deliver_job(payload: dict) -> None:
    """RQ entry point: runs in the worker, inside an application context."""
    from app.jobs import job_app

    with job_app().app_context():
        deliver(Email(**payload))
