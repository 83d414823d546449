"""The meetings' REST resources: the same services and refusals as the pages."""

from __future__ import annotations

from datetime import timedelta

from app.meetings import services
from app.timeutil import utcnow
from tests.api.conftest import bearer, token_of  # noqa: F401  (fixture)


def test_meeting_list_detail_and_state(client, token_of, make_meeting, facilitator, people):  # noqa: F811
    meeting = make_meeting(starts_at=utcnow() - timedelta(minutes=5), items=("Charte", "Trinômes"))
    services.mark_present(meeting, facilitator, people[0])
    services.start_session(meeting, facilitator)
    headers = bearer(token_of(people[0]))
    listing = client.get("/api/v1/meetings", headers=headers)
    assert listing.status_code == 200 and listing.json[0]["id"] == meeting.id
    detail = client.get(f"/api/v1/meetings/{meeting.id}", headers=headers).json
    assert [i["title"] for i in detail["items"]] == ["Charte", "Trinômes"] and detail["level"] == "seminar"
    live = client.get(f"/api/v1/meetings/{meeting.id}/state", headers=headers).json
    assert live["item"]["title"] == "Charte" and live["me"]["checked_in"] == "on_site"
    assert client.get("/api/v1/meetings/999999", headers=headers).status_code == 404


def test_checkin_reply_and_hand_with_their_refusals(client, token_of, make_meeting, facilitator, people):  # noqa: F811
    meeting = make_meeting(starts_at=utcnow() - timedelta(minutes=5))
    services.start_session(meeting, facilitator)
    services.open_debate(meeting, facilitator)
    headers = bearer(token_of(people[1]))
    refused = client.post(f"/api/v1/meetings/{meeting.id}/hand", json={"stance": "for"}, headers=headers)
    assert refused.status_code == 409 and "Check in first" in refused.json["message"]
    wrong = client.post(f"/api/v1/meetings/{meeting.id}/checkin", json={"code": "AAAAAA"}, headers=headers)
    assert wrong.status_code == 422 and "code" in wrong.json["errors"]
    bad_mode = client.post(f"/api/v1/meetings/{meeting.id}/checkin", json={"code": "X", "mode": "bus"},
                           headers=headers)
    assert bad_mode.status_code == 422
    code = services.shown_code(meeting).code
    ok = client.post(f"/api/v1/meetings/{meeting.id}/checkin", json={"code": code, "mode": "remote"}, headers=headers)
    assert ok.status_code == 200 and ok.json["checkin_mode"] == "remote"
    hand = client.post(f"/api/v1/meetings/{meeting.id}/hand", json={"stance": "question"}, headers=headers)
    assert hand.status_code == 200 and hand.json["me"]["hand"]["stance"] == "question"
    assert client.delete(f"/api/v1/meetings/{meeting.id}/hand", headers=headers).json["me"]["hand"] is None
    reply = client.put(f"/api/v1/meetings/{meeting.id}/reply", json={"reply": "maybe"}, headers=headers)
    assert reply.status_code == 422
    history = client.get(f"/api/v1/meetings/attendance/{people[1].id}", headers=headers).json
    assert history["lines"][0]["outcome"] == "remote"
