"""The live channel over a real server and real Socket.IO clients (one process, threads)."""

from __future__ import annotations

import queue
import socket
from datetime import date

import pytest
import requests
import socketio as socketio_client

from app import live
from app.errors import Conflict
from app.extensions import db, socketio
from app.members import services
from app.members.models import Member, MemberStatus, StatusChange
from app.timeutil import local_today
from tests.live.conftest import WAIT, LiveClient, signed_in_session

pytestmark = pytest.mark.no_db_transaction


def rooms_of(client) -> set[str]:
    return set(socketio.server.manager.get_rooms(client.sio.get_sid(), "/"))


# --- connecting ------------------------------------------------------------------------


def test_anonymous_connection_is_refused_with_a_reason(live_server, clients):
    client = clients(live_server.client())
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        client.connect()
    error = client.errors.get(timeout=5)
    assert error["data"] == {"code": "unauthenticated"}
    assert error["message"]


@pytest.mark.parametrize("transports", [None, ["websocket"]], ids=["polling-then-upgrade", "websocket-only"])
def test_signed_in_member_connects_into_their_member_room(live_server, clients, transports):
    member = live_server.members.add()
    client = clients(live_server.client(member)).connect(transports=transports)

    assert client.sio.connected
    assert f"member:{member.id}" in rooms_of(client)
    live.emit_now(f"member:{member.id}", "hello", {"to": member.id})
    assert client.next_event() == ("hello", {"to": member.id})


def test_another_origin_cannot_connect_even_with_the_cookie(live_server, clients):
    """A page of another site must not open the channel with the member's cookie (CSWSH)."""
    member = live_server.members.add()
    evil = "https://evil.example"
    over_polling = clients(live_server.client(member))
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        over_polling.sio.connect(live_server.url, headers={"Origin": evil}, transports=["polling"], wait_timeout=WAIT)
    over_websocket = clients(live_server.client(member, websocket_extra_options={"origin": evil}))
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        over_websocket.connect(transports=["websocket"])
    assert not over_polling.sio.connected and not over_websocket.sio.connected

    # The same requests from the site itself connect (websocket-client sends that Origin by itself).
    clients(live_server.client(member)).sio.connect(live_server.url, headers={"Origin": live_server.url},
                                                    transports=["polling"], wait_timeout=WAIT)
    assert clients(live_server.client(member)).connect(transports=["websocket"]).sio.connected


def test_forged_session_cookie_is_anonymous(live_server, clients):
    member = live_server.members.add()
    genuine = signed_in_session(live_server.url, member).cookies["session"]
    payload, timestamp, signature = genuine.rsplit(".", 2)
    forged = requests.Session()
    forged.cookies.set("session", f"{payload}.{timestamp}.{signature[::-1]}")
    client = clients(LiveClient(live_server.url, forged))
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        client.connect()
    assert client.errors.get(timeout=5)["data"] == {"code": "unauthenticated"}


def test_former_member_with_a_live_session_is_refused(live_server, clients):
    member = live_server.members.add(MemberStatus.ES, since=date(2024, 1, 1), language="en")
    client = clients(live_server.client(member))
    # The session cookie was issued while still a member; the status changes afterwards.
    with live_server.members.transaction() as session:
        services.record_status(session.get(Member, member.id), MemberStatus.FORMER, local_today())
        session.commit()

    with pytest.raises(socketio_client.exceptions.ConnectionError):
        # Flask-Login no longer loads an inactive member's language: the browser's is used.
        client.sio.connect(live_server.url, headers={"Accept-Language": "en"}, wait_timeout=WAIT)
    error = client.errors.get(timeout=5)
    assert error["data"] == {"code": "forbidden"}
    assert error["message"] == "Former members no longer have access to the cooperative's space."


def test_member_who_leaves_while_connected_can_no_longer_join(live_server, clients):
    member = live_server.members.add(MemberStatus.ES, since=date(2024, 1, 1))
    client = clients(live_server.client(member)).connect()
    assert client.call("join", {"room": f"member:{member.id}"})["ok"] is True

    # Recorded behind the services' back, as a status dated in advance that becomes effective
    # today: no revocation closes the connection (tests/live/test_revocation.py), each event checks.
    with live_server.members.transaction() as session:
        session.add(StatusChange(member_id=member.id, status=MemberStatus.FORMER, effective_on=local_today()))
        session.commit()

    ack = client.call("join", {"room": f"member:{member.id}"})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


# --- joining rooms ---------------------------------------------------------------------


def test_join_own_member_room_and_not_another_members(live_server, clients):
    alice = live_server.members.add(language="en")
    bob = live_server.members.add()
    client = clients(live_server.client(alice)).connect()

    assert client.call("join", {"room": f"member:{alice.id}"}) == {"ok": True, "room": f"member:{alice.id}",
                                                                   "state": None}
    refused = client.call("join", {"room": f"member:{bob.id}"})
    assert refused == {"ok": False, "error": {"code": "forbidden",
                                              "message": "This channel belongs to another member."}}
    assert f"member:{bob.id}" not in rooms_of(client)

    live.emit_now(f"member:{bob.id}", "for.bob", {})
    live.emit_now(f"member:{alice.id}", "marker", {})
    assert [name for name, _ in client.events_until("marker")] == ["marker"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (None, "invalid_input"),
        ("member:1", "invalid_input"),
        ({}, "invalid_input"),
        ({"room": 5}, "invalid_input"),
        ({"room": ["member:1"]}, "invalid_input"),
        ({"room": "member"}, "invalid_input"),
        ({"room": "member:"}, "invalid_input"),
        ({"room": "member:abc"}, "invalid_input"),
        ({"room": "member:0"}, "invalid_input"),
        ({"room": "member:-1"}, "invalid_input"),
        ({"room": "member:01"}, "invalid_input"),
        ({"room": "member:1 "}, "invalid_input"),
        ({"room": "member:1\n"}, "invalid_input"),
        ({"room": "MEMBER:1"}, "invalid_input"),
        ({"room": "member:" + "9" * 11}, "invalid_input"),
        ({"room": "x" * 10_000}, "invalid_input"),
        ({"room": "unknown:1"}, "unknown_room_kind"),
        ({"room": "zz:1"}, "unknown_room_kind"),
        ({"room": "member:999999999"}, "not_found"),
        ({"room": "member:2147483647"}, "not_found"),
        ({"room": "member:2147483648"}, "not_found"),
        ({"room": "member:9999999999"}, "not_found"),
    ],
)
def test_join_bad_input_gets_a_clear_error_ack(live_server, clients, payload, code):
    member = live_server.members.add(language="en")
    client = clients(live_server.client(member)).connect()

    ack = client.call("join", payload)

    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert ack["error"]["message"]
    assert client.sio.connected  # a bad request does not cost the connection
    assert rooms_of(client) == {client.sio.get_sid(), f"member:{member.id}"}


def test_unknown_room_kind_names_the_kind(live_server, clients):
    member = live_server.members.add(language="en")
    client = clients(live_server.client(member)).connect()
    ack = client.call("join", {"room": "treasury:3"})
    assert ack["error"] == {"code": "unknown_room_kind", "message": "There is no room of kind “treasury”."}


def test_several_payloads_are_refused(live_server, clients):
    member = live_server.members.add()
    client = clients(live_server.client(member)).connect()
    ack = client.sio.call("join", ({"room": f"member:{member.id}"}, "extra"), timeout=10)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_input"


def test_leave_stops_the_events_of_a_room(live_server, clients, room_kind):
    room_kind("probe", action="members.view", loader=lambda id: db.session.get(Member, id))
    member = live_server.members.add()
    other = live_server.members.add()
    client = clients(live_server.client(member)).connect()
    assert client.call("join", {"room": f"probe:{other.id}"})["ok"] is True
    live.emit_now(f"probe:{other.id}", "probe.before", {})
    assert client.next_event() == ("probe.before", {})

    assert client.call("leave", {"room": f"probe:{other.id}"}) == {"ok": True, "room": f"probe:{other.id}"}
    live.emit_now(f"probe:{other.id}", "probe.after", {})
    live.emit_now(f"member:{member.id}", "marker", {})
    assert [name for name, _ in client.events_until("marker")] == ["marker"]

    assert client.call("leave", {"room": "nope"})["error"]["code"] == "invalid_input"


# --- emits after commit ----------------------------------------------------------------


def test_emit_to_reaches_the_room_after_commit_only(live_server, clients):
    member = live_server.members.add()
    client = clients(live_server.client(member)).connect()
    room = f"member:{member.id}"

    with live_server.members.transaction() as session:
        live.emit_to(room, "rolled.back", {"n": 1})
        session.get(Member, member.id).full_name = "Never saved"
        session.flush()
        session.rollback()

        live.emit_to(room, "committed", {"n": 2})
        session.get(Member, member.id).full_name = "Saved"
        session.flush()
        assert client.events.empty()  # queued, not sent: the transaction is still open
        session.commit()

    assert client.events_until("committed") == [("committed", {"n": 2})]


def test_client_event_commits_then_acks_and_emits(live_server, clients, client_event):
    member = live_server.members.add()
    client = clients(live_server.client(member)).connect()

    @client_event("test.rename")
    def rename(current, data):
        current.full_name = data["name"]
        live.emit_to(live.member_room(current), "renamed", {"name": data["name"]})
        db.session.flush()
        if data.get("refuse"):
            raise Conflict("Refused on purpose.")
        return {"name": current.full_name}

    refused = client.call("test.rename", {"name": "Refused Name", "refuse": True})
    assert refused == {"ok": False, "error": {"code": "conflict", "message": "Refused on purpose."}}
    ack = client.call("test.rename", {"name": "Zoé Nouveau"})
    assert ack == {"ok": True, "name": "Zoé Nouveau"}

    # The refused event's emit never left; the accepted one did, after its commit.
    assert client.events_until("renamed") == [("renamed", {"name": "Zoé Nouveau"})]
    with live_server.members.transaction() as session:
        assert session.get(Member, member.id).full_name == "Zoé Nouveau"


def test_client_event_that_crashes_rolls_back_and_acks_an_internal_error(live_server, clients, client_event):
    member = live_server.members.add(language="en")
    client = clients(live_server.client(member)).connect()

    @client_event("test.crash")
    def crash(current, data):
        current.full_name = "Half done"
        live.emit_to(live.member_room(current), "half.done", {})
        db.session.flush()
        raise RuntimeError("bug")

    @client_event("test.unserialisable")
    def unserialisable(current, data):
        current.full_name = "Half done too"
        return {"when": date.today()}

    assert client.call("test.crash") == {
        "ok": False, "error": {"code": "internal_error", "message": "Internal error; it has been logged."}}
    assert client.call("test.unserialisable")["error"]["code"] == "internal_error"
    live.emit_now(f"member:{member.id}", "marker", {})
    assert [name for name, _ in client.events_until("marker")] == ["marker"]
    with live_server.members.transaction() as session:
        assert session.get(Member, member.id).full_name.startswith("Membre")


# --- state on (re)join -----------------------------------------------------------------


def _register_probe(room_kind):
    def snapshot(member, target_id):
        return {"full_name": db.session.get(Member, target_id).full_name, "asked_by": member.id}

    room_kind("probe", action="members.view", loader=lambda id: db.session.get(Member, id), snapshot=snapshot)


def test_join_and_state_ack_the_current_snapshot(live_server, clients, room_kind):
    _register_probe(room_kind)
    member = live_server.members.add()
    watched = live_server.members.add(name="Before")
    client = clients(live_server.client(member)).connect()

    assert client.call("join", {"room": f"probe:{watched.id}"}) == {
        "ok": True, "room": f"probe:{watched.id}", "state": {"full_name": "Before", "asked_by": member.id}}
    with live_server.members.transaction() as session:
        session.get(Member, watched.id).full_name = "After"
        session.commit()
    assert client.call("state", {"room": f"probe:{watched.id}"})["state"]["full_name"] == "After"
    assert client.call("state", {"room": "probe:2147483648"})["error"]["code"] == "not_found"
    assert client.call("state", {"room": "probe:123456789"})["error"]["code"] == "not_found"


def test_automatic_reconnection_rejoins_and_receives_the_current_state(live_server, clients, room_kind):
    """What live.js does: on every (re)connection, join the rooms again and take their state."""
    _register_probe(room_kind)
    member = live_server.members.add()
    watched = live_server.members.add(name="Version 1")
    room = f"probe:{watched.id}"
    client = clients(live_server.client(member, reconnection_delay=0.1, reconnection_delay_max=0.5))
    acks: queue.Queue = queue.Queue()
    # Runs in the client's reading thread, so it must not wait for the ack itself.
    client.sio.on("connect", lambda: client.sio.emit("join", {"room": room}, callback=acks.put))
    client.connect(transports=["websocket"])
    assert acks.get(timeout=WAIT)["state"]["full_name"] == "Version 1"

    # A change whose event this client never sees: the next snapshot must carry it anyway.
    with live_server.members.transaction() as session:
        session.get(Member, watched.id).full_name = "Version 2"
        session.commit()
    old_sid = client.sio.get_sid()
    # The network drops: no goodbye from either side, and the client reconnects by itself.
    client.sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)

    ack = acks.get(timeout=WAIT)
    assert ack == {"ok": True, "room": room, "state": {"full_name": "Version 2", "asked_by": member.id}}
    assert client.sio.get_sid() != old_sid
    assert {room, f"member:{member.id}"} <= rooms_of(client)
