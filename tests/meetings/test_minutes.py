"""The secretary's notes per item, and the minutes in Markdown and PDF."""

from __future__ import annotations

import pytest

from app.errors import Conflict, Forbidden, InvalidInput
from app.meetings import minutes, services
from app.votes import services as votes
from tests.conftest import sign_in
from tests.meetings.conftest import T0
from tests.votes.conftest import new_key


def test_secretary_takes_notes_others_cannot(make_meeting, make_member, people):
    secretary = people[4]
    meeting = make_meeting(secretary=secretary)
    item = meeting.items[0]
    minutes.save_notes(item, secretary, "Accord sur le principe.\r\n- Zoé rédige la charte.", now=T0)
    assert item.notes == "Accord sur le principe.\n- Zoé rédige la charte."
    with pytest.raises(Forbidden):
        minutes.save_notes(item, people[0], "Autre chose", now=T0)
    with pytest.raises(InvalidInput):
        minutes.save_notes(item, secretary, "x" * 20001, now=T0)
    assert item.notes.startswith("Accord")


def test_minutes_carry_attendance_notes_and_results(in_session, facilitator, people):
    meeting = in_session
    minutes.save_notes(meeting.items[0], facilitator, "Débat nourri ; **adoptée**.", now=T0)
    link = services.open_item_ballot(meeting, facilitator, title="Adopter la charte", method="yes_no", now=T0)
    for person in people[:3]:
        votes.cast_vote(link.ballot, person, {"choice": "for"}, new_key())
    services.close_item_ballot(meeting, facilitator, link.id, now=T0)
    text = minutes.minutes_markdown(meeting, T0)
    assert text.startswith(f"# {meeting.title}")
    assert "Débat nourri ; **adoptée**." in text
    assert "Ballot «Adopter la charte»: 3 voters of" in text
    assert "(5)" in text and people[0].full_name in text
    pdf = minutes.minutes_pdf(meeting, T0)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_workgroup_meetings_have_no_minutes_export(make_meeting):
    meeting = make_meeting(kind="workgroup", level_code="online", title="Groupe communication")
    with pytest.raises(Conflict, match="seminars and co-management"):
        minutes.minutes_markdown(meeting)


def test_minutes_downloads(client, make_meeting, facilitator):
    meeting = make_meeting()
    sign_in(client, facilitator)
    md = client.get(f"/seances/{meeting.id}/compte-rendu.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    pdf = client.get(f"/seances/{meeting.id}/compte-rendu.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.post(f"/seances/{meeting.id}/notes", data={"item_id": "999999", "notes": "x"}).status_code == 404
