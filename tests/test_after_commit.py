"""Side effects wait for the commit: e-mails of a rolled-back savepoint are never sent."""

from app.extensions import db
from app.notifications.mail import send_email


def test_email_waits_for_the_commit_and_a_rolled_back_savepoint_drops_only_its_own(smtp_server):
    send_email("kept@example.org", "Kept", "body")
    nested = db.session.begin_nested()
    send_email("dropped@example.org", "Dropped", "body")
    nested.rollback()
    with db.session.begin_nested():
        send_email("released@example.org", "Released", "body")
    assert smtp_server.messages == []  # a released savepoint is not a commit
    db.session.commit()
    assert sorted(m["To"] for m in smtp_server.messages) == ["kept@example.org", "released@example.org"]


def test_a_rolled_back_transaction_sends_nothing(smtp_server):
    send_email("never@example.org", "Never", "body")
    db.session.rollback()
    db.session.commit()
    assert smtp_server.messages == []
