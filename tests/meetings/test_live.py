"""The meeting room over a real server: real Socket.IO clients, the projector's namespace."""

from __future__ import annotations

from datetime import timedelta

import pytest
import socketio as socketio_client

from app.extensions import db
from app.meetings import services
from app.meetings.models import Meeting
from app.members.models import Member, MemberStatus, RoleKind
from app.timeutil import utcnow
from tests.live.conftest import WAIT, clients  # noqa: F401  (fixture)
from tests.meetings.live_support import serve

pytestmark = pytest.mark.no_db_transaction


@pytest.fixture(scope="module")
def live_server(app, tmp_path_factory):
    with serve(tmp_path_factory.mktemp("meetings-live"), "meetings_live") as server:
        yield server


@pytest.fixture
def meeting_ids(live_server):  # noqa: F811
    """Two running meetings, a facilitator and a checked-in member, committed."""
    members = live_server.members
    facilitator = members.add(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER])
    member = members.add(MemberStatus.ES)
    with members.transaction() as session:
        boss = session.get(Member, facilitator.id)
        made = []
        for title in ("Séminaire A", "Séminaire B"):
            start = utcnow() - timedelta(minutes=5)
            meeting = services.create_meeting(kind="seminar", title=title, starts_at=start,
                                              ends_at=start + timedelta(hours=6), facilitator_ids=[boss.id],
                                              created_by=boss)
            services.add_item(meeting, boss, kind="topic", title="Point")
            made.append(meeting)
        services.start_session(made[0], boss)
        services.open_debate(made[0], boss)
        services.mark_present(made[0], boss, session.get(Member, member.id))
        session.commit()
        ids = [m.id for m in made]
    return {"meetings": ids, "facilitator": facilitator, "member": member}


def projector_client(live_server, meeting_id, token):  # noqa: F811
    client = socketio_client.Client()
    client.events = []
    client.on("*", lambda event, *args: client.events.append((event, args[0] if args else None)),
              namespace="/projector")
    return client


def token_of(live_server, meeting_id) -> str:  # noqa: F811
    with live_server.app.app_context(), live_server.app.test_request_context():
        return services.projector_token(db.session.get(Meeting, meeting_id))


def test_projector_connects_with_its_token_to_its_meeting_only(live_server, meeting_ids):  # noqa: F811
    first, second = meeting_ids["meetings"]
    token = token_of(live_server, first)
    sio = projector_client(live_server, first, token)
    sio.connect(live_server.url, namespaces=["/projector"], auth={"meeting": first, "token": token},
                wait_timeout=WAIT, transports=["polling"])
    try:
        ack = sio.call("state", {"meeting": second}, namespace="/projector", timeout=WAIT)
        assert ack["ok"] and ack["state"]["meeting"] == first  # whatever is asked, its own meeting
        assert ack["state"]["checkin"]["code"]
    finally:
        sio.disconnect()
    refused = socketio_client.Client()
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        refused.connect(live_server.url, namespaces=["/projector"], auth={"meeting": second, "token": token},
                        wait_timeout=WAIT)
    anonymous = socketio_client.Client()
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        anonymous.connect(live_server.url, namespaces=["/projector"], wait_timeout=WAIT)


def test_phone_raises_a_hand_and_the_projector_hears_of_it(live_server, meeting_ids, clients):  # noqa: F811
    first = meeting_ids["meetings"][0]
    token = token_of(live_server, first)
    projector = projector_client(live_server, first, token)
    projector.connect(live_server.url, namespaces=["/projector"], auth={"meeting": first, "token": token},
                      wait_timeout=WAIT, transports=["polling"])
    try:
        phone = clients(live_server.client(meeting_ids["member"])).connect()
        joined = phone.call("join", {"room": f"meeting:{first}"})
        assert joined["ok"] and joined["state"]["me"]["checked_in"] == "on_site"
        ack = phone.call("meeting.hand", {"meeting": first, "stance": "question"})
        assert ack["ok"] and ack["state"]["me"]["hand"]["stance"] == "question"
        assert phone.events_until("meeting_changed")[-1][1]["meeting"] == first
        again = phone.call("meeting.hand", {"meeting": first, "stance": "for"})
        assert not again["ok"] and "déjà levé la main" in again["error"]["message"]
        projector.sleep(0)
        state = projector.call("state", {}, namespace="/projector", timeout=WAIT)
        assert [r["stance"] for r in state["state"]["queue"]] == ["question"]
        assert any(event == "meeting_changed" for event, _ in projector.events)
    finally:
        projector.disconnect()


def test_a_member_not_checked_in_cannot_raise_a_hand_from_the_phone(live_server, meeting_ids, clients):  # noqa: F811
    other = live_server.members.add(MemberStatus.ES)
    phone = clients(live_server.client(other)).connect()
    ack = phone.call("meeting.hand", {"meeting": meeting_ids["meetings"][0], "stance": "for"})
    assert not ack["ok"] and "Émargez d'abord" in ack["error"]["message"]
    wrong = phone.call("meeting.checkin", {"meeting": meeting_ids["meetings"][0], "code": "AAAAAA"})
    assert not wrong["ok"] and wrong["error"]["fields"]["code"]
