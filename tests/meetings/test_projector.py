"""The projector: a read-only signed link, without signing in, for one meeting only."""

from __future__ import annotations

from datetime import timedelta

from app.meetings import services
from app.timeutil import utcnow


def test_signed_link_opens_the_projector_without_signing_in(client, make_meeting):
    meeting = make_meeting(starts_at=utcnow() - timedelta(minutes=5))
    token = services.projector_token(meeting)
    response = client.get(f"/seances/{meeting.id}/projection/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert services.shown_code(meeting).display in page
    assert "<svg" in page  # the QR code
    fragment = client.get(f"/seances/{meeting.id}/projection/{token}/direct")
    assert fragment.status_code == 200 and 'data-section="checkin"' in fragment.get_data(as_text=True)


def test_tampered_link_or_another_meetings_link_is_refused(client, make_meeting):
    first, second = make_meeting(title="Premier"), make_meeting(title="Second")
    token = services.projector_token(first)
    tampered = client.get(f"/seances/{first.id}/projection/{token[:-3]}abc")
    assert tampered.status_code == 403 and "not valid" in tampered.get_data(as_text=True)
    other = client.get(f"/seances/{second.id}/projection/{token}")
    assert other.status_code == 403 and "another meeting" in other.get_data(as_text=True)
    assert client.get(f"/seances/{second.id}/projection/{token}/direct").status_code == 403


def test_a_reply_link_is_not_a_projector_link(client, make_meeting, people):
    meeting = make_meeting()
    reply = services.reply_token(meeting, people[0])
    assert client.get(f"/seances/{meeting.id}/projection/{reply}").status_code == 403


def test_a_new_meeting_secret_revokes_the_old_link(client, make_meeting):
    meeting = make_meeting()
    token = services.projector_token(meeting)
    meeting.secret = "0" * 32
    refused = client.get(f"/seances/{meeting.id}/projection/{token}")
    assert refused.status_code == 403 and "replaced" in refused.get_data(as_text=True)
