"""Members resources: directory with filters and pagination, one member, my profile."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.members import services
from app.members.models import MemberStatus, RoleKind
from app.timeutil import local_today
from tests.api.conftest import bearer


@pytest.fixture
def caller(anonymous, make_member, token_of):
    member = make_member(MemberStatus.ESA, name="Zoé Caller", email="zoe@example.org", shares=3)
    return anonymous, bearer(token_of(member)), member


def pagination(response) -> dict:
    return json.loads(response.headers["X-Pagination"])


@contextmanager
def count_queries():
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_directory_shows_status_and_roles_of_today_never_secrets(caller, make_member):
    client, headers, me = caller
    tomorrow = local_today() + timedelta(days=1)
    member = make_member(MemberStatus.ES, name="Ana Example", email="ana@example.org",
                         roles=[RoleKind.ADMINISTRATOR], since=date(2024, 1, 1))
    services.update_profile(member, skills=["Design", "Accounting"], themes=["Ecology"], bio="Hello")
    services.record_status(member, MemberStatus.ESA, tomorrow)  # not yet true today
    # A role that ended is history, not a role held today.
    services.assign_role(member, RoleKind.TUTOR, date(2020, 1, 1), date(2020, 7, 1), tutee=me)

    response = client.get("/api/v1/members", headers=headers)
    assert response.status_code == 200
    listed = {m["full_name"]: m for m in response.get_json()}
    ana = listed["Ana Example"]
    assert ana == {
        "id": member.id, "full_name": "Ana Example", "email": "ana@example.org", "status": "es",
        "roles": [{"kind": "administrator", "starts_on": "2024-01-01", "ends_on": None, "tutee_id": None}],
        "shares": 0, "skills": ["Accounting", "Design"], "themes": ["Ecology"], "bio": "Hello",
    }
    text = response.get_data(as_text=True)
    assert "password" not in text and "hash" not in text and "$argon2" not in text
    assert client.get(f"/api/v1/members/{member.id}", headers=headers).get_json() == ana


def test_directory_filters_like_the_page(caller, make_member):
    client, headers, _me = caller
    make_member(MemberStatus.CAPE, name="Bruno Cape")
    make_member(MemberStatus.ES, name="Chloé Es", email="chloe@coop.example")

    def names(query):
        response = client.get(f"/api/v1/members{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [m["full_name"] for m in response.get_json()]

    assert names("") == ["Bruno Cape", "Chloé Es", "Zoé Caller"]
    assert names("?q=chlo") == ["Chloé Es"]
    assert names("?q=COOP.example") == ["Chloé Es"]
    assert names("?status=cape") == ["Bruno Cape"]
    assert names("?status=esa&q=zo") == ["Zoé Caller"]
    assert names("?q=nobody") == []
    assert names("?q=%20%20") == ["Bruno Cape", "Chloé Es", "Zoé Caller"]


def test_unknown_status_filter_is_422(caller):
    client, headers, _me = caller
    response = client.get("/api/v1/members?status=boss", headers=headers)
    assert response.status_code == 422
    assert "status" in response.get_json()["errors"]


def test_pagination_header_pages_and_limits(caller, make_member):
    client, headers, _me = caller
    for index in range(6):
        make_member(name=f"Member {index:02d}")  # 7 members with the caller

    first = client.get("/api/v1/members?page_size=3", headers=headers)
    assert [m["full_name"] for m in first.get_json()] == ["Member 00", "Member 01", "Member 02"]
    assert pagination(first) == {"total": 7, "total_pages": 3, "first_page": 1, "last_page": 3,
                                 "page": 1, "next_page": 2}
    last = client.get("/api/v1/members?page_size=3&page=3", headers=headers)
    assert [m["full_name"] for m in last.get_json()] == ["Zoé Caller"]
    assert pagination(last) == {"total": 7, "total_pages": 3, "first_page": 1, "last_page": 3,
                                "page": 3, "previous_page": 2}

    # Past the last page: an empty list, and a header without "page" so clients can stop.
    beyond = client.get("/api/v1/members?page_size=3&page=9", headers=headers)
    assert beyond.status_code == 200 and beyond.get_json() == []
    assert pagination(beyond) == {"total": 7, "total_pages": 3, "first_page": 1, "last_page": 3}

    default = client.get("/api/v1/members", headers=headers)
    assert len(default.get_json()) == 7 and pagination(default)["total_pages"] == 1
    empty = client.get("/api/v1/members?q=nobody", headers=headers)
    assert empty.get_json() == [] and pagination(empty) == {"total": 0, "total_pages": 0}


@pytest.mark.parametrize("query, field", [("page_size=101", "page_size"), ("page_size=0", "page_size"),
                                          ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
                                          ("page_size=1.5", "page_size"), (f"page={10**20}", "page")])
def test_out_of_range_pagination_arguments_are_422(caller, query, field):
    client, headers, _me = caller
    response = client.get(f"/api/v1/members?{query}", headers=headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_the_maximum_page_size_comes_from_the_configuration(app, caller):
    client, headers, _me = caller
    assert client.get("/api/v1/members?page_size=100", headers=headers).status_code == 200
    previous = app.config["API_PAGE_SIZE_MAX"]
    app.config["API_PAGE_SIZE_MAX"] = 5
    try:
        assert client.get("/api/v1/members?page_size=5", headers=headers).status_code == 200
        refused = client.get("/api/v1/members?page_size=6", headers=headers)
        assert refused.status_code == 422
        assert refused.get_json()["errors"]["page_size"] == ["Must be greater than or equal to 1 and less than "
                                                             "or equal to 5."]
    finally:
        app.config["API_PAGE_SIZE_MAX"] = previous


def test_the_directory_costs_the_same_queries_for_3_or_30_members(caller, make_member):
    client, headers, _me = caller

    def queries_for_a_page():
        db.session.expire_all()  # every request then loads what it needs, as in production
        with count_queries() as statements:
            response = client.get("/api/v1/members?page_size=100", headers=headers)
        assert response.status_code == 200
        return len(statements), len(response.get_json())

    for index in range(2):
        services.assign_role(make_member(MemberStatus.ESA, name=f"Few {index}"), RoleKind.TUTOR,
                             date(2024, 1, 1), date(2024, 7, 1), tutee=caller[2])
    few, few_rows = queries_for_a_page()
    for index in range(27):
        member = make_member(name=f"Many {index}")
        services.update_profile(member, skills=[f"skill {index}"], themes=["shared"])
    many, many_rows = queries_for_a_page()
    assert (few_rows, many_rows) == (3, 30)
    assert many == few, (few, many)


def test_me_and_its_language(caller):
    client, headers, me = caller
    body = client.get("/api/v1/members/me", headers=headers).get_json()
    assert body["id"] == me.id and body["status"] == "esa" and body["shares"] == 3
    assert body["language"] is None


def test_patch_profile_changes_only_what_is_sent(caller):
    client, headers, me = caller
    services.update_profile(me, bio="Unchanged bio", skills=["Old skill"])
    response = client.patch("/api/v1/members/me", headers=headers,
                            json={"full_name": "  Zoé Renamed ", "language": "en",
                                  "themes": ["Housing", " Food ", "Housing"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["full_name"] == "Zoé Renamed" and body["language"] == "en"
    assert body["themes"] == ["Food", "Housing"]
    assert body["bio"] == "Unchanged bio" and body["skills"] == ["Old skill"]
    assert me.full_name == "Zoé Renamed"

    cleared = client.patch("/api/v1/members/me", headers=headers, json={"language": None, "skills": []})
    assert cleared.status_code == 200
    assert cleared.get_json()["language"] is None and cleared.get_json()["skills"] == []
    assert me.language is None


@pytest.mark.parametrize("payload, field", [
    ({"full_name": ""}, "full_name"),
    ({"full_name": "x" * 201}, "full_name"),
    ({"bio": "x" * 5001}, "bio"),
    ({"bio": None}, "bio"),
    ({"language": "de"}, "language"),
    ({"skills": "Design, Accounting"}, "skills"),
    ({"themes": ["x" * 121]}, "themes.0"),
    ({"skills": ["s"] * 101}, "skills"),
    ({"full_name": "Valid Name", "language": "klingon"}, "language"),
    ({"email": "new@example.org"}, "email"),
    ({"shares": 10}, "shares"),
])
def test_patch_profile_validation_errors_change_nothing(caller, payload, field):
    client, headers, me = caller
    services.update_profile(me, bio="Before", skills=["Before"], language="fr")
    before = client.get("/api/v1/members/me", headers=headers).get_json()

    response = client.patch("/api/v1/members/me", json=payload, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    db.session.expire_all()
    assert client.get("/api/v1/members/me", headers=headers).get_json() == before
    assert me.email == "zoe@example.org" and me.shares == 3


@pytest.mark.parametrize("payload, field", [
    ({"full_name": "Zoé\x00"}, "full_name"),
    ({"full_name": "Zoé\nCaller"}, "full_name"),
    ({"bio": "bell\x07"}, "bio"),
    ({"skills": ["ok", "tab\there"]}, "skills.1"),
])
def test_control_characters_are_refused_on_every_database(caller, payload, field):
    client, headers, me = caller
    response = client.patch("/api/v1/members/me", json=payload, headers=headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]
    assert me.full_name == "Zoé Caller"


def test_multi_line_bio_is_fine(caller):
    client, headers, me = caller
    response = client.patch("/api/v1/members/me", json={"bio": "Line one\nLine two\tend"}, headers=headers)
    assert response.status_code == 200
    assert me.bio == "Line one\nLine two\tend"


def test_search_with_a_nul_byte_is_422_not_a_crash(caller):
    client, headers, _me = caller
    response = client.get("/api/v1/members?q=a%00b", headers=headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["q"]
