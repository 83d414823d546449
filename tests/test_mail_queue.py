"""With REDIS_URL and MAIL_QUEUE=rq, e-mails leave the request: an RQ job sends them."""

import pytest
from rq import SimpleWorker

from app.extensions import db
from app.notifications.mail import send_email
from tests.conftest import rq_test_queue


@pytest.fixture
def rq_mail(app, monkeypatch):
    yield from rq_test_queue(app, monkeypatch, "MAIL_QUEUE")


def test_email_is_queued_after_commit_and_sent_by_the_worker(rq_mail, smtp_server):
    send_email("queued@example.org", "Convocation", "Bonjour")
    assert rq_mail.count == 0  # nothing leaves before the commit
    db.session.commit()
    assert rq_mail.count == 1 and smtp_server.messages == []  # the request did not send it
    SimpleWorker([rq_mail], connection=rq_mail.connection).work(burst=True)
    assert [m["To"] for m in smtp_server.messages] == ["queued@example.org"]


def test_a_rolled_back_request_queues_nothing(rq_mail):
    send_email("never@example.org", "Jamais", "Bonjour")
    db.session.rollback()
    db.session.commit()
    assert rq_mail.count == 0
