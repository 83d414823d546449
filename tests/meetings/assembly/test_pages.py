"""The assembly's pages: profile form, preview, exports, final PV and its refusals."""

from datetime import timedelta

from app.meetings.assembly import services as ga
from tests.conftest import sign_in

from .conftest import CONVENED_AT, IN_SESSION, check_in


def test_profile_page_saves_and_refuses_below_floor(client, gerant, associates):
    sign_in(client, gerant)
    assert client.get("/assemblees/profil-juridique").status_code == 200
    form = {"name": "Facettes SCOP", "legal_form": "scop_sarl", "registered_office": "Lyon",
            "registration_number": "RCS 1", "remote_counts_as_present": "on"}
    for kind, conv, quorum, majority, strict, base in (
            ("ordinary", 1, "", "1/2", "on", "whole_electorate"), ("ordinary", 2, "", "1/2", "on",
                                                                     "present_or_represented"),
            ("extraordinary", 1, "1/5", "3/4", "", "present_or_represented"),
            ("extraordinary", 2, "1/2", "3/4", "", "present_or_represented")):
        key = f"{kind}_{conv}"
        form |= {f"{key}_quorum": quorum, f"{key}_majority": majority, f"{key}_base": base}
        if strict:
            form[f"{key}_strict"] = strict
    response = client.post("/assemblees/profil-juridique", data=form)
    assert response.status_code == 422 and "below the law" in response.get_data(as_text=True)
    assert ga.profile().name == ""
    form["extraordinary_1_quorum"] = "1/4"
    assert client.post("/assemblees/profil-juridique", data=form).status_code == 302
    assert ga.profile().name == "Facettes SCOP" and str(ga.profile().rule("extraordinary", 1).quorum) == "1/4"
    form["extraordinary_1_quorum"] = "trois quarts"
    assert client.post("/assemblees/profil-juridique", data=form).status_code == 422


def test_profile_edit_refused_to_a_non_administrator(client, associates):
    sign_in(client, associates[1])
    response = client.post("/assemblees/profil-juridique", data={"name": "X", "legal_form": "scop_sarl"})
    assert response.status_code == 403


def test_assembly_pages_exports_and_final_pv(client, gerant, associates, make_assembly):
    assembly = make_assembly()
    check_in(assembly, gerant, associates[:3])
    mid = assembly.meeting_id
    sign_in(client, gerant)
    page = client.get(f"/assemblees/{mid}").get_data(as_text=True)
    assert "quorum reached" in page and "Associé 9" in page
    assert client.get(f"/assemblees/{mid}/quorum.json").get_json()["quorums"][0]["present"] == 3
    assert "DRAFT — PROJET" in client.get(f"/assemblees/{mid}/pv").get_data(as_text=True)
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK"), ("odt", b"PK")):
        response = client.get(f"/assemblees/{mid}/pv.{fmt}")
        assert response.status_code == 200 and response.data.startswith(magic)
    assert client.get(f"/assemblees/{mid}/pv.exe").status_code == 422
    assert client.get(f"/assemblees/{mid}/feuille-de-presence.pdf").data.startswith(b"%PDF")
    assert client.get(f"/assemblees/{mid}/presence.csv").get_data(as_text=True).startswith("associate,")
    refused = client.post(f"/assemblees/{mid}/pv/final")
    assert refused.status_code == 409 and "draft" in refused.get_data(as_text=True)
    ga.close_assembly(assembly, gerant, now=IN_SESSION + timedelta(hours=1))
    response = client.post(f"/assemblees/{mid}/pv/final")
    assert response.status_code == 302
    number = int(response.headers["Location"].rsplit("/", 1)[1])
    final = client.get(f"/assemblees/registre/{number}").get_data(as_text=True)
    assert "SHA-256" in final and "PROJET" not in final
    assert client.get(f"/assemblees/registre/{number}.pdf").data.startswith(b"%PDF")
    assert client.get("/assemblees/registre/9999").status_code == 404


def test_assembly_prepared_convened_and_held_through_the_pages(client, gerant, associates, mails, monkeypatch):
    from app.extensions import db
    from app.meetings.assembly.models import Assembly

    sign_in(client, gerant)
    assert client.get("/assemblees/").status_code == 200
    response = client.post("/assemblees/", data={"title": "AG 2026", "starts_at": "2026-06-20T14:00",
                                                 "ends_at": "2026-06-20T17:00", "place": "Lyon", "scope": "both"})
    assert response.status_code == 302
    row = db.session.scalar(db.select(Assembly).order_by(Assembly.id.desc()))
    mid = row.meeting_id
    assert client.post(f"/assemblees/{mid}/resolutions", data={"title": "Statuts", "text": "Texte",
                                                               "kind": "extraordinary", "proposer": "gerance",
                                                               "gerance_supports": "on"}).status_code == 302
    bad = client.post(f"/assemblees/{mid}/resolutions", data={"title": "", "text": "", "kind": "x"})
    assert bad.status_code == 422 and len(row.resolutions) == 1
    monkeypatch.setattr(ga, "utcnow", lambda: CONVENED_AT + timedelta(days=10))  # 9 days before: too late
    late = client.post(f"/assemblees/{mid}/convocation")
    assert late.status_code == 409 and "R223-20" in late.get_data(as_text=True) and row.convocation_date is None
    monkeypatch.setattr(ga, "utcnow", lambda: CONVENED_AT)
    assert client.post(f"/assemblees/{mid}/convocation").status_code == 302
    assert row.convocation_date == CONVENED_AT.date()
    assert client.get(f"/assemblees/{mid}/lettres-de-convocation.pdf").data.startswith(b"%PDF")
    page = client.get(f"/assemblees/{mid}").get_data(as_text=True)
    assert "Put to the vote" in page and "Manage the assembly" in page
    assert client.post(f"/assemblees/{mid}/bureau", data={"chair_id": str(gerant.id), "chair_capacity": "Co-gérant",
                                                          "scrutineer_ids": [str(associates[1].id)]}).status_code == 302
    assert row.chair == gerant and row.scrutineer1 == associates[1]
    assert client.post(f"/assemblees/{mid}/incidents", data={"description": ""}).status_code == 422
    assert client.post(f"/assemblees/{mid}/pouvoirs", data={"grantor_id": "abc"}).status_code == 422
    assert client.post("/assemblees/", data={"title": "AG", "starts_at": "demain"}).status_code == 422
