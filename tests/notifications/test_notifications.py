"""Notices in the app (bell, unread count), e-mail by preference (immediate, digest, none), reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.deliberation import services as deliberation
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.members import services as members
from app.members.models import MemberStatus, Theme
from app.notifications import services
from app.notifications.models import Notice, NoticeKind
from app.timeutil import utcnow
from tests.conftest import sign_in


def kinds(member) -> list[str]:
    return list(db.session.scalars(select(Notice.kind).where(Notice.member_id == member.id).order_by(Notice.id)))


def test_a_notice_counts_as_unread_until_read(make_member):
    member = make_member()
    notice = services.notify(member, NoticeKind.MENTION, "Alice vous a mentionné", "/propositions/1")
    other = services.notify(member, NoticeKind.REPLY, "Bob vous a répondu", "/propositions/1")
    assert services.unread_count(member) == 2
    services.mark_read(member, notice.id)
    assert services.unread_count(member) == 1
    assert services.mark_all_read(member) == 1 and services.unread_count(member) == 0
    with pytest.raises(NotFound):
        services.mark_read(make_member(), other.id)  # someone else's notice does not exist for them


def test_a_keyed_notice_is_sent_once(make_member):
    member = make_member()
    assert services.notify(member, "window_closing", "Ferme bientôt", key="k1") is not None
    assert services.notify(member, "window_closing", "Ferme bientôt", key="k1") is None
    assert kinds(member) == ["window_closing"]


def test_former_members_are_not_notified(make_member):
    member = make_member(MemberStatus.ES, since=date(2020, 1, 1))
    members.record_status(member, MemberStatus.FORMER, date(2023, 1, 1))
    assert services.notify(member, "mention", "x") is None


def test_immediate_email_goes_after_commit(make_member, smtp_server):
    member = make_member(language="en")
    services.notify(member, "mention", "Alice mentioned you", "/propositions/4")
    assert smtp_server.messages == []  # queued until the transaction commits
    db.session.commit()
    [message] = smtp_server.messages
    assert message["To"] == member.email and "Alice mentioned you" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert "http://localhost/propositions/4" in body and "/notifications/preferences" in body


def test_no_email_for_none_and_a_daily_digest_for_digest(make_member, smtp_server):
    quiet, digest = make_member(), make_member()
    services.set_email_mode(quiet, "none")
    services.set_email_mode(digest, "digest")
    services.notify(quiet, "mention", "Pour quiet")
    services.notify(digest, "mention", "Premier")
    services.notify(digest, "reply", "Second")
    read = services.notify(digest, "reply", "Déjà lu")
    services.mark_read(digest, read.id)
    db.session.commit()
    assert smtp_server.messages == []
    assert services.send_digests() == 1
    db.session.commit()
    [message] = smtp_server.messages
    assert message["To"] == digest.email
    body = message.get_payload(decode=True).decode()
    assert "Premier" in body and "Second" in body and "Déjà lu" not in body
    assert services.send_digests() == 0  # once a day, however often the command runs
    services.notify(digest, "mention", "Le lendemain")
    assert services.send_digests(utcnow() + timedelta(days=1)) == 1


def test_unknown_preference_refused(make_member):
    with pytest.raises(InvalidInput) as error:
        services.set_email_mode(make_member(), "weekly")
    assert "email_mode" in error.value.fields


def test_new_proposal_in_my_themes_state_change_of_followed_proposals(make_proposal, author, make_member):
    theme = Theme(label="Mobilité durable")
    db.session.add(theme)
    db.session.flush()
    interested, indifferent = make_member(), make_member()
    members.update_profile(interested, themes=["Mobilité durable"])
    proposal = make_proposal(opened=False, themes=[theme])
    deliberation.open_for_debate(proposal, author)
    assert kinds(interested) == ["new_proposal"] and kinds(indifferent) == []
    deliberation.follow(proposal, interested)
    deliberation.send_to_preparation(proposal, author, "Groupe mobilité")
    assert kinds(interested) == ["new_proposal", "state_change"]
    assert kinds(author) == []  # who acted is not told of their own act


def test_decision_window_closing_within_24_hours_reminds_the_electorate_once(make_proposal, author, make_member):
    voter = make_member()
    proposal = make_proposal()
    opens = utcnow() + timedelta(hours=1)
    deliberation.schedule_online_decision(proposal, author, opens, opens + timedelta(hours=20))
    assert deliberation.window_closing_reminders() >= 2  # the author and the voter, at least
    assert "window_closing" in kinds(voter)
    assert deliberation.window_closing_reminders() == 0
    far = make_proposal(title="Plus tard")
    deliberation.schedule_online_decision(far, author, opens, opens + timedelta(days=5))
    assert deliberation.window_closing_reminders() == 0


def test_bell_page_and_preferences_page(client, make_member):
    member = make_member()
    services.notify(member, "mention", "Alice vous a mentionné", "/propositions/1")
    sign_in(client, member)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Alice vous a mentionné" in html and 'data-unread="1"' in html
    assert client.get("/notifications/non-lues").get_json() == {"unread": 1}
    notice = db.session.scalars(select(Notice)).one()
    response = client.post(f"/notifications/{notice.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/propositions/1"
    assert services.unread_count(member) == 0
    assert client.post("/notifications/preferences", data={"email_mode": "digest"}).status_code == 302
    assert services.email_mode(member).value == "digest"
    assert client.post("/notifications/preferences", data={"email_mode": "hourly"}).status_code == 422
    assert services.email_mode(member).value == "digest"


def test_cli_commands(app, make_member):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "digest"])
    assert result.exit_code == 0 and "digest" in result.output
    result = runner.invoke(args=["deliberation", "tick"])
    assert result.exit_code == 0 and "reminder" in result.output
