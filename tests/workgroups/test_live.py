"""Live workgroup page over a real server and real Socket.IO clients: messages and notes reach
every viewer without reloading; a reconnecting viewer receives the current state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.governance import services as governance
from app.members.models import MemberStatus, RoleKind
from app.timeutil import local_today
from tests.live.conftest import clients, live_server, signed_in_session  # noqa: F401

pytestmark = pytest.mark.no_db_transaction


def post(http, url, data, expected=302):
    response = http.post(url, data=data, allow_redirects=False, timeout=10)
    assert response.status_code == expected, response.text[:1000]
    return response


def seminar_id(live_server) -> int:  # noqa: F811
    with live_server.app.app_context():
        level = governance.level_by_code("seminar").id
        db.session.rollback()
        return level


def wait_for(client, name):
    while True:
        event, payload = client.next_event()
        if event == name:
            return payload


def test_viewers_see_messages_and_notes_appear(live_server, clients):  # noqa: F811
    gerant = live_server.members.add(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER], name="Gaston Gérant")
    viewer = live_server.members.add(name="Victor Lecteur")
    http = signed_in_session(live_server.url, gerant)
    level = seminar_id(live_server)
    response = post(http, f"{live_server.url}/groupes-de-travail/nouveau", {
        "origin": "decision", "name": "Mobilité", "question": "Quels déplacements ?",
        "due_on": (local_today() + timedelta(days=20)).isoformat(), "reports_to_level_id": str(level),
        "decided_by_level_id": str(level), "decision_reference": "Séminaire", "facilitators": [str(gerant.id)]})
    group_id = int(response.headers["Location"].rsplit("/", 1)[1])
    room = f"workgroup:{group_id}"

    watcher = clients(live_server.client(viewer)).connect()
    joined = watcher.call("join", {"room": room})  # transparency: a non-member may listen
    assert joined["ok"] is True and joined["state"]["messages"] == [] and joined["state"]["notes_revision"] == 0

    post(http, f"{live_server.url}/groupes-de-travail/{group_id}/message", {"body": "Bonjour à tous"})
    message = wait_for(watcher, "workgroup.message")
    viewer_http = signed_in_session(live_server.url, viewer)
    fragment = viewer_http.get(f"{live_server.url}/groupes-de-travail/{group_id}/messages/{message['id']}", timeout=10)
    assert fragment.status_code == 200 and "Bonjour à tous" in fragment.text

    post(http, f"{live_server.url}/groupes-de-travail/{group_id}/notes", {"body": "Notes", "base_revision": "0"})
    assert wait_for(watcher, "workgroup.notes")["revision"] == 1

    # A refused write emits nothing: the next event the watcher sees is the later status change.
    post(viewer_http, f"{live_server.url}/groupes-de-travail/{group_id}/message", {"body": "Intrus"})
    post(http, f"{live_server.url}/groupes-de-travail/{group_id}/start", {})
    assert watcher.next_event()[0] == "workgroup.status"

    late = clients(live_server.client(viewer)).connect()
    state = late.call("join", {"room": room})["state"]
    assert state["messages"] == [message["id"]] and state["notes_revision"] == 1 and state["status"] == "in_progress"
    assert late.call("join", {"room": "workgroup:999999"})["error"]["code"] == "not_found"
