"""Planning meetings: the yearly calendar, the agenda, the convocation with its .ics, replies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app.deliberation import services as deliberation
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.governance.services import level_by_code, matter_by_code
from app.meetings import services
from app.meetings.models import Attendance, Meeting
from app.members.models import MemberStatus
from tests.conftest import sign_in
from tests.meetings.conftest import T0


def count_meetings() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting))


def test_bad_meeting_is_refused_with_every_reason_and_nothing_is_created(facilitator):
    with pytest.raises(InvalidInput) as refused:
        services.create_meeting(kind="party", title=" ", starts_at=T0, ends_at=T0 - timedelta(hours=1),
                                remote_link="javascript:alert(1)", facilitator_ids=[], created_by=facilitator)
    assert set(refused.value.fields) >= {"kind", "title", "ends_at", "remote_link", "facilitators"}
    assert count_meetings() == 0


def test_a_seminar_decides_at_the_seminar_level(facilitator):
    with pytest.raises(InvalidInput) as refused:
        services.create_meeting(kind="seminar", level_code="co_management", title="S", starts_at=T0,
                                ends_at=T0 + timedelta(hours=2), facilitator_ids=[facilitator.id],
                                created_by=facilitator)
    assert "level" in refused.value.fields


def test_only_co_managers_and_administrator_plan_meetings(make_member):
    member = make_member(MemberStatus.ES)
    with pytest.raises(Forbidden):
        services.create_meeting(kind="seminar", title="S", starts_at=T0, ends_at=T0 + timedelta(hours=2),
                                facilitator_ids=[member.id], created_by=member)


def test_yearly_calendar_creates_the_four_seminars_once(facilitator):
    days = [date(2027, 2, 11), date(2027, 5, 13), date(2027, 9, 9), date(2027, 11, 18)]
    seminars = services.plan_seminar_year(year=2027, days=days, starts=time(9, 30), ends=time(17), place="Lyon",
                                          facilitator_ids=[facilitator.id], created_by=facilitator)
    assert [m.calendar_slot for m in seminars] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert all(m.kind == "seminar" and m.level.code == "seminar" for m in seminars)
    # 9:30 in Paris in winter is 8:30 UTC, in summer 7:30 UTC.
    assert seminars[0].starts_at == datetime(2027, 2, 11, 8, 30, tzinfo=UTC)
    assert seminars[2].starts_at == datetime(2027, 9, 9, 7, 30, tzinfo=UTC)
    with pytest.raises(Conflict, match="2027-Q1"):
        services.plan_seminar_year(year=2027, days=days, starts=time(9, 30), ends=time(17), place="",
                                   facilitator_ids=[facilitator.id], created_by=facilitator)
    assert count_meetings() == 4


def test_calendar_refuses_a_date_outside_its_quarter(facilitator):
    with pytest.raises(InvalidInput) as refused:
        services.plan_seminar_year(year=2027, days=[date(2027, 4, 1), date(2027, 5, 13), date(2027, 9, 9),
                                                    date(2027, 11, 18)], starts=time(9), ends=time(17), place="",
                                   facilitator_ids=[facilitator.id], created_by=facilitator)
    assert "day1" in refused.value.fields
    assert count_meetings() == 0


def _proposal(author, level="seminar", title="Accueillir Zoé comme entrepreneure"):
    proposal = deliberation.create_proposal(author, title=title, summary="", body="Texte.",
                                            matter_id=matter_by_code("entrepreneur_entry").id,
                                            level_id=level_by_code(level).id, theme_ids=[], coauthor_ids=[])
    deliberation.open_for_debate(proposal, author)
    return proposal


def test_agenda_takes_a_proposal_waiting_at_its_level_and_inscribes_it(make_meeting, facilitator, people):
    meeting = make_meeting(items=())
    proposal = _proposal(people[0])
    assert proposal in services.schedulable_proposals(meeting)
    item = services.add_item(meeting, facilitator, kind="proposal", proposal_id=proposal.id)
    assert item.title == proposal.title
    assert proposal.state == "scheduled" and proposal.meeting_ref == f"meeting:{meeting.id}"
    with pytest.raises(InvalidInput, match="not added"):
        services.add_item(meeting, facilitator, kind="proposal", proposal_id=proposal.id)
    other = _proposal(people[0], level="general_assembly", title="Modifier les statuts")
    with pytest.raises(InvalidInput) as refused:
        services.add_item(meeting, facilitator, kind="proposal", proposal_id=other.id)
    assert "proposal_id" in refused.value.fields
    assert [i.id for i in meeting.items] == [item.id]


def test_agenda_order_changes_and_an_item_is_removed(make_meeting, facilitator):
    meeting = make_meeting(items=("A", "B", "C"))
    a, b, c = meeting.items
    services.move_item(c, facilitator, "up")
    assert [i.title for i in meeting.items] == ["A", "C", "B"]
    with pytest.raises(Conflict, match="first"):
        services.move_item(a, facilitator, "up")
    services.remove_item(b, facilitator)
    assert [i.title for i in meeting.items] == ["A", "C"]


def test_convocation_sends_the_agenda_and_an_ics_invitation(app, smtp_server, make_meeting, facilitator, people):
    meeting = make_meeting(starts_at=datetime(2099, 3, 12, 8, 30, tzinfo=UTC),
                           items=("Charte des bureaux", "Trinômes"))
    sent = services.convene(meeting, facilitator, now=T0)
    db.session.commit()
    assert sent == len(people) + 1  # every member of the seminar level, the facilitator included
    assert len(smtp_server.messages) == sent
    message = next(m for m in smtp_server.messages if m["To"] == people[0].email)
    parts = {part.get_content_type(): part for part in message.walk()}
    body = parts["text/plain"].get_payload(decode=True).decode()
    assert "1. Charte des bureaux" in body and "2. Trinômes" in body
    calendar = Calendar.from_ical(parts["text/calendar"].get_payload(decode=True))
    event = calendar.walk("VEVENT")[0]
    assert calendar["METHOD"] == "REQUEST"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTEND") == meeting.ends_at
    assert str(event["ATTENDEE"]) == f"mailto:{people[0].email}"
    assert event["SEQUENCE"] == 1
    rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
    assert len(rows) == sent and all(r.convoked for r in rows)


def test_reply_link_answers_without_signing_in_and_a_tampered_one_is_refused(client, make_meeting, people):
    meeting = make_meeting(starts_at=datetime(2099, 3, 12, 8, 30, tzinfo=UTC))
    token = services.reply_token(meeting, people[0])
    assert client.get(f"/seances/{meeting.id}/reponse/{token}").status_code == 200
    response = client.post(f"/seances/{meeting.id}/reponse/{token}", data={"reply": "remote"})
    assert response.status_code == 302
    assert services.attendance_of(meeting, people[0]).reply == "remote"
    tampered = client.post(f"/seances/{meeting.id}/reponse/{token[:-2]}xx", data={"reply": "excused"})
    assert tampered.status_code == 403
    assert services.attendance_of(meeting, people[0]).reply == "remote"
    bad = client.post(f"/seances/{meeting.id}/reponse/{token}", data={"reply": "maybe"})
    assert bad.status_code == 422


def test_attendance_history_counts_seminar_absences(make_meeting, facilitator, people):
    past = [make_meeting(starts_at=T0 - timedelta(days=90 * n), title=f"Séminaire {n}") for n in (1, 2, 3)]
    for meeting in past:
        services.convene(meeting, facilitator, now=meeting.starts_at - timedelta(days=20))
    services.record_reply(past[0], people[0], "excused", now=past[0].starts_at - timedelta(days=2))
    services.mark_present(past[1], facilitator, people[0], mode="remote", now=past[1].starts_at)
    history = services.history(people[0], now=T0)
    outcomes = {line.meeting.title: line.outcome for line in history.lines}
    assert outcomes == {"Séminaire 1": "excused", "Séminaire 2": "remote", "Séminaire 3": "absent"}
    assert history.absences == 2 and history.unexcused == 1
    seminars, table = services.seminar_overview(T0.year - 1, now=T0)
    assert all(m.kind == "seminar" for m in seminars)


def test_meeting_pages_render(client, facilitator, make_meeting, people):
    meeting = make_meeting()
    sign_in(client, facilitator)
    for path in ("/seances", f"/seances/{meeting.id}", "/seances/nouvelle", "/seances/calendrier",
                 f"/seances/{meeting.id}/modifier", f"/membres/{people[0].id}/presences", "/seances/assiduite",
                 f"/seances/{meeting.id}/console", f"/seances/{meeting.id}/notes", f"/seances/{meeting.id}/trinomes",
                 f"/seances/{meeting.id}/telephone"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])


def test_new_meeting_form_creates_it_and_a_bad_one_changes_nothing(client, facilitator):
    sign_in(client, facilitator)
    form = {"kind": "seminar", "title": "Séminaire", "starts_at": "2099-03-12T09:30", "ends_at": "2099-03-12T08:00",
            "facilitators": [str(facilitator.id)], "speaker_seconds": "180"}
    bad = client.post("/seances/nouvelle", data=form)
    assert bad.status_code == 422
    assert count_meetings() == 0
    good = client.post("/seances/nouvelle", data=form | {"ends_at": "2099-03-12T17:00"})
    assert good.status_code == 302
    assert count_meetings() == 1
