"""The decision register: record_decision (the votes/meetings hook), follow-up, filters, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from app.deliberation import services
from app.deliberation.models import DecisionRecord
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.governance import services as governance
from app.members.models import Theme
from app.notifications.models import Notice
from app.timeutil import local_today
from tests.conftest import sign_in


def scheduled(make_proposal, author, **kwargs):
    proposal = make_proposal(matter=kwargs.pop("matter", "organisation"), **kwargs)
    services.schedule_for_meeting(proposal, author, "Séminaire de mars")
    return proposal


def test_a_meetings_decision_is_recorded_with_level_text_and_source(make_proposal, author):
    proposal = scheduled(make_proposal, author)
    record = services.record_decision(proposal, "adopted", "meeting:7", date(2026, 3, 14))
    assert proposal.state == "adopted"
    assert (record.level_id, record.text, record.source, record.decided_on) == (
        proposal.level_id, proposal.body, "meeting:7", date(2026, 3, 14))
    assert record.follow_up_status == "todo"
    # The path is complete: scheduled → being voted on → adopted, all recorded, automatic.
    assert [t.to_state for t in proposal.transitions][-2:] == ["voting", "adopted"]


def test_a_rejection_is_registered_too_with_the_text_given(make_proposal, author, facilitator):
    proposal = scheduled(make_proposal, author)
    services.start_vote(proposal, facilitator)
    services.record_decision(proposal, "rejected", "ballot:3", local_today(), "Texte tel que soumis")
    assert proposal.state == "rejected"
    assert db.session.scalars(db.select(DecisionRecord)).one().text == "Texte tel que soumis"


@pytest.mark.parametrize("outcome, source, day, field", [
    ("perhaps", "meeting:1", date(2026, 1, 1), "outcome"),
    ("adopted", "", date(2026, 1, 1), "source"),
    ("adopted", "meeting:1", "2026-01-01", "decided_on"),
    ("adopted", "meeting:1", date.today() + timedelta(days=400), "decided_on"),
])
def test_bad_decisions_are_refused(make_proposal, author, outcome, source, day, field):
    proposal = scheduled(make_proposal, author)
    with pytest.raises(InvalidInput) as error:
        services.record_decision(proposal, outcome, source, day)
    assert field in error.value.fields
    assert proposal.state == "scheduled"


def test_only_a_scheduled_or_voted_proposal_is_decided(make_proposal, author):
    with pytest.raises(Conflict):
        services.record_decision(make_proposal(), "adopted", "meeting:1", date(2026, 1, 1))


def test_follow_up_by_facilitators_then_by_the_responsible_member(make_proposal, author, facilitator, make_member):
    proposal = scheduled(make_proposal, author)
    record = services.record_decision(proposal, "adopted", "meeting:7", date(2026, 3, 14))
    responsible = make_member()
    with pytest.raises(Forbidden):
        services.update_follow_up(record, responsible, status="in_progress")
    services.update_follow_up(record, facilitator, responsible_id=responsible.id, due_on=date(2026, 6, 30))
    assert [n.kind for n in db.session.scalars(db.select(Notice).where(Notice.member_id == responsible.id))] == [
        "decision"]
    services.update_follow_up(record, responsible, status="in_progress", note="Devis demandés")
    assert (record.responsible_id, record.due_on, record.follow_up_status, record.follow_up_note) == (
        responsible.id, date(2026, 6, 30), "in_progress", "Devis demandés")
    with pytest.raises(InvalidInput):
        services.update_follow_up(record, responsible, due_on=date(2026, 7, 1))  # not theirs to choose
    with pytest.raises(InvalidInput) as error:
        services.update_follow_up(record, facilitator, status="finished")
    assert "status" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        services.update_follow_up(record, facilitator, due_on=date(2020, 1, 1))
    assert "due_on" in error.value.fields


def _decided(make_proposal, author, title, matter, day, themes=(), outcome="adopted"):
    proposal = scheduled(make_proposal, author, matter=matter, title=title, themes=themes)
    return services.record_decision(proposal, outcome, f"meeting:{title}", day)


def test_the_register_filters_by_level_theme_matter_status_dates_and_words(make_proposal, author, facilitator):
    theme = Theme(label="Locaux")
    db.session.add(theme)
    db.session.flush()
    a = _decided(make_proposal, author, "Bureaux partagés", "organisation", date(2026, 1, 10), themes=[theme])
    b = _decided(make_proposal, author, "Achat d'une imprimante", "daily_administration", date(2026, 2, 10))
    c = _decided(make_proposal, author, "Règles des trinômes", "organisation", date(2026, 3, 10),
                 outcome="rejected")
    services.update_follow_up(b, facilitator, status="done")

    def ids(**filters):
        return [r.id for r in db.session.scalars(services.register_query(**filters))]

    assert ids() == [c.id, b.id, a.id]
    assert ids(level_id=governance.level_by_code("co_management").id) == [b.id]
    assert ids(theme_id=theme.id) == [a.id]
    assert ids(matter_id=governance.matter_by_code("organisation").id) == [c.id, a.id]
    assert ids(status="done") == [b.id]
    assert ids(outcome="rejected") == [c.id]
    assert ids(decided_from=date(2026, 2, 1), decided_to=date(2026, 2, 28)) == [b.id]
    assert ids(text="bureau") == [a.id]  # singular finds the plural
    assert ids(text="imprimantes") == [b.id]
    with pytest.raises(InvalidInput):
        ids(level_id=999)
    with pytest.raises(InvalidInput):
        ids(status="whatever")
    with pytest.raises(InvalidInput):
        ids(decided_from=date(2026, 3, 1), decided_to=date(2026, 1, 1))


def test_the_register_exports_csv_with_formulas_neutralised(make_proposal, author, client):
    _decided(make_proposal, author, "=HYPERLINK(\"http://evil\")", "organisation", date(2026, 1, 10))
    _decided(make_proposal, author, "Bureaux", "organisation", date(2026, 2, 10))
    sign_in(client, author)
    response = client.get("/registre.csv?du=2026-01-01")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3
    titles = [row[6] for row in rows[1:]]
    assert titles == ["Bureaux", "'=HYPERLINK(\"http://evil\")"]


def test_register_pages(make_proposal, author, facilitator, client, make_member):
    record = _decided(make_proposal, author, "Bureaux", "organisation", date(2026, 1, 10))
    sign_in(client, facilitator)
    assert "Bureaux" in client.get("/registre").get_data(as_text=True)
    assert client.get("/registre?du=pas-une-date").status_code == 422
    responsible = make_member()
    response = client.post(f"/registre/{record.id}", data={
        "responsible_id": str(responsible.id), "due_on": "2026-06-30", "status": "in_progress", "note": "En cours"})
    assert response.status_code == 302
    assert (record.responsible_id, record.follow_up_status) == (responsible.id, "in_progress")
    response = client.post(f"/registre/{record.id}", data={"responsible_id": "", "due_on": "2025-01-01",
                                                           "status": "done", "note": ""})
    assert response.status_code == 422 and record.follow_up_status == "in_progress"


def test_the_register_is_paged_newest_first_keeping_the_filters(app, make_proposal, author, client, monkeypatch):
    monkeypatch.setitem(app.config, "LIST_PAGE_SIZE", 2)
    for day, title in ((10, "Première décision"), (11, "Deuxième décision"), (12, "Troisième décision")):
        _decided(make_proposal, author, title, "organisation", date(2026, 1, day))
    sign_in(client, author)
    first = client.get("/registre?matiere=&du=2026-01-01").get_data(as_text=True)
    assert "Troisième décision" in first and "Deuxième décision" in first and "Première décision" not in first
    assert "Page 1 of 2" in first and "du=2026-01-01" in first
    second = client.get("/registre?du=2026-01-01&page=2").get_data(as_text=True)
    assert "Première décision" in second and "Troisième décision" not in second
