"""Check-in at the door: the rotating code, its clear refusals, the facilitator's marking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.errors import Conflict, Forbidden, InvalidInput
from app.meetings import checkin, services
from app.timeutil import utcnow
from tests.conftest import sign_in
from tests.meetings.conftest import T0

KEY = "a-meeting-key"


def test_code_is_short_readable_and_rotates():
    shown = checkin.current_code(KEY, T0)
    assert len(shown.code) == 6 and set(shown.code) <= set(checkin.ALPHABET)
    assert shown.display == f"{shown.code[:3]}-{shown.code[3:]}"
    later = checkin.current_code(KEY, T0 + timedelta(seconds=checkin.WINDOW_SECONDS))
    assert later.code != shown.code
    assert shown.expires_at > T0 and shown.expires_at - T0 <= timedelta(seconds=checkin.WINDOW_SECONDS)
    assert checkin.current_code("another meeting", T0).code != shown.code


def test_code_is_valid_in_its_window_and_the_next_then_expired_and_wrong_otherwise():
    code = checkin.current_code(KEY, T0).code
    typed = f" {code[:3].lower()}-{code[3:]} "
    assert checkin.verify(KEY, typed, T0) is checkin.Verdict.VALID
    assert checkin.verify(KEY, code, T0 + timedelta(seconds=checkin.WINDOW_SECONDS)) is checkin.Verdict.VALID
    assert checkin.verify(KEY, code, T0 + timedelta(seconds=3 * checkin.WINDOW_SECONDS)) is checkin.Verdict.EXPIRED
    assert checkin.verify(KEY, "ZZZZZZ", T0) is checkin.Verdict.WRONG
    assert checkin.verify(KEY, "", T0) is checkin.Verdict.WRONG
    assert checkin.verify(KEY, None, T0) is checkin.Verdict.WRONG
    assert checkin.verify("another meeting", code, T0) is checkin.Verdict.WRONG


def test_member_checks_in_with_the_code_and_remote_is_counted_apart(make_meeting, people):
    meeting = make_meeting()
    code = services.shown_code(meeting, T0).code
    services.check_in_with_code(meeting, people[0], code, now=T0)
    services.check_in_with_code(meeting, people[1], code, mode="remote", now=T0)
    sheet = services.sheet(meeting, T0)
    assert [r.member_id for r in sheet.on_site] == [people[0].id]
    assert [r.member_id for r in sheet.remote] == [people[1].id]
    assert sheet.present_count == 2


def test_wrong_and_expired_codes_get_clear_messages_and_change_nothing(make_meeting, people):
    meeting = make_meeting()
    old = services.shown_code(meeting, T0 - timedelta(minutes=30)).code
    with pytest.raises(InvalidInput, match="expired"):
        services.check_in_with_code(meeting, people[0], old, now=T0)
    with pytest.raises(InvalidInput, match="not the code of this meeting"):
        services.check_in_with_code(meeting, people[0], "AAAAAA", now=T0)
    with pytest.raises(InvalidInput):
        services.check_in_with_code(meeting, people[0], services.shown_code(meeting, T0).code, mode="flying", now=T0)
    assert services.sheet(meeting, T0).present_count == 0


def test_check_in_is_closed_before_it_opens_and_after_the_end(make_meeting, facilitator, people):
    meeting = make_meeting()
    early = T0 - timedelta(hours=3)
    with pytest.raises(Conflict, match="opens"):
        services.check_in_with_code(meeting, people[0], services.shown_code(meeting, early).code, now=early)
    late = meeting.ends_at + timedelta(hours=1)
    with pytest.raises(Conflict, match="ended"):
        services.mark_present(meeting, facilitator, people[0], now=late)


def test_only_facilitators_mark_members_present(make_meeting, facilitator, people):
    meeting = make_meeting()
    with pytest.raises(Forbidden):
        services.mark_present(meeting, people[0], people[1], now=T0)
    services.mark_present(meeting, facilitator, people[1], mode="remote", now=T0)
    row = services.attendance_of(meeting, people[1])
    assert row.checkin_mode == "remote" and row.checked_in_by_id == facilitator.id
    services.undo_check_in(meeting, facilitator, people[1], now=T0)
    assert services.attendance_of(meeting, people[1]).checked_in_at is None


def test_check_in_page_with_wrong_code_says_why_and_with_the_right_one_checks_in(client, make_meeting, people):
    meeting = make_meeting(starts_at=utcnow() - timedelta(minutes=5))
    sign_in(client, people[0])
    wrong = client.post(f"/seances/{meeting.id}/pointage", data={"code": "AAA-AAA", "mode": "on_site"})
    assert wrong.status_code == 422
    assert "not the code of this meeting" in wrong.get_data(as_text=True)
    assert services.attendance_of(meeting, people[0]) is None
    code = services.shown_code(meeting).code
    # The QR code carries the code in the link: the form comes pre-filled.
    assert code in client.get(f"/seances/{meeting.id}/pointage?code={code}").get_data(as_text=True)
    right = client.post(f"/seances/{meeting.id}/pointage", data={"code": code, "mode": "on_site"})
    assert right.status_code == 302
    assert services.is_checked_in(meeting, people[0])
