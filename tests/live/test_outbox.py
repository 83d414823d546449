"""Emits wait for the commit; room names and kinds are checked (Flask-SocketIO test client).

These run in the usual rolled-back transaction: here "commit" is the release of the test's
SAVEPOINT, which is exactly the boundary the outbox listens to.
"""

from __future__ import annotations

from datetime import date

import pytest

from app import live
from app.extensions import db, socketio
from app.members.models import Member
from tests.conftest import sign_in


@pytest.fixture
def listener(app, client, make_member):
    """A member connected through the Flask-SocketIO test client, in their member room."""
    member = make_member()
    sign_in(client, member)
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.is_connected()
    socket.get_received()
    socket.member = member
    yield socket
    if socket.is_connected():
        socket.disconnect()


def received(socket) -> list[tuple[str, object]]:
    return [(message["name"], message["args"][0] if message["args"] else None) for message in socket.get_received()]


def test_anonymous_test_client_is_refused(app, client):
    socket = socketio.test_client(app, flask_test_client=client)
    assert not socket.is_connected()


def test_emit_waits_for_the_commit(listener):
    room = live.member_room(listener.member)
    live.emit_to(room, "first", {"n": 1})
    live.emit_to(room, "second", [1, 2])
    assert received(listener) == []
    db.session.commit()
    assert received(listener) == [("first", {"n": 1}), ("second", [1, 2])]
    db.session.commit()
    assert received(listener) == []  # sent once, not at every later commit


def test_rollback_drops_the_emits(listener):
    room = live.member_room(listener.member)
    live.emit_to(room, "dropped", {})
    db.session.rollback()
    db.session.commit()
    assert received(listener) == []


def test_rolled_back_savepoint_drops_only_its_own_emits(listener):
    room = live.member_room(listener.member)
    live.emit_to(room, "before", {})
    savepoint = db.session.begin_nested()
    live.emit_to(room, "inside", {})
    savepoint.rollback()
    live.emit_to(room, "after", {})
    db.session.commit()
    assert [name for name, _ in received(listener)] == ["before", "after"]


def test_released_savepoint_waits_for_the_outer_commit(listener):
    room = live.member_room(listener.member)
    with db.session.begin_nested():
        live.emit_to(room, "inside", {})
    assert received(listener) == []  # releasing the SAVEPOINT is not the final commit
    db.session.commit()
    assert received(listener) == [("inside", {})]


def test_released_savepoint_then_outer_rollback_sends_nothing(listener):
    room = live.member_room(listener.member)
    with db.session.begin_nested():
        live.emit_to(room, "inside", {})
    db.session.rollback()
    db.session.commit()
    assert received(listener) == []


def test_nested_savepoints_rolled_back_from_the_middle(listener):
    room = live.member_room(listener.member)
    outer = db.session.begin_nested()
    live.emit_to(room, "outer", {})
    inner = db.session.begin_nested()
    live.emit_to(room, "inner", {})
    inner.commit()
    outer.rollback()  # takes the released inner SAVEPOINT with it
    live.emit_to(room, "kept", {})
    db.session.commit()
    assert received(listener) == [("kept", {})]


def test_emit_to_before_any_query_is_still_tied_to_the_transaction(app, listener):
    room = live.member_room(listener.member)
    db.session.commit()
    live.emit_to(room, "dropped", {})
    db.session.rollback()
    db.session.commit()
    assert received(listener) == []


@pytest.mark.parametrize(
    ("room", "event", "payload", "error"),
    [
        ("member", "e", {}, ValueError),
        ("member:0", "e", {}, ValueError),
        ("member:1 ", "e", {}, ValueError),
        (None, "e", {}, ValueError),
        ("member:1", "", {}, ValueError),
        ("member:1", None, {}, ValueError),
        ("member:1", "e", {"when": date(2026, 1, 1)}, TypeError),
        ("member:1", "e", {1, 2}, TypeError),
        ("member:1", "e", (1, 2), ValueError),
    ],
)
def test_emit_to_refuses_what_could_not_be_delivered(app, room, event, payload, error):
    with pytest.raises(error):
        live.emit_to(room, event, payload)
    with pytest.raises(error):
        live.emit_now(room, event, payload)


def test_room_names():
    member = Member(id=7)
    assert live.member_room(member) == "member:7"
    assert live.meeting_room(3) == "meeting:3"
    assert live.ballot_room(12) == "ballot:12"
    assert live.proposal_room(5) == "proposal:5"
    assert live.room("workgroup", 2) == "workgroup:2"
    assert live.room("workgroup", 2**31 - 1) == "workgroup:2147483647"
    for bad in (0, -1, 2**31, "3", None, 2.0, True, Member()):
        with pytest.raises(ValueError):
            live.meeting_room(bad)
    for bad in ("", "Meeting", "meet ing", "a:b", "9lives", "x" * 40):
        with pytest.raises(ValueError):
            live.room(bad, 1)


def test_register_room_kind_checks_its_arguments():
    with pytest.raises(RuntimeError, match="twice"):
        live.register_room_kind("member", action="live.member_room", loader=lambda id: None)
    with pytest.raises(RuntimeError, match="unknown policy action"):
        live.register_room_kind("typo", action="proposals.veiw", loader=lambda id: None)
    with pytest.raises(ValueError):
        live.register_room_kind("Bad Kind", action="members.view", loader=lambda id: None)
    assert "typo" not in live.ROOM_KINDS


def test_join_through_the_test_client(listener, make_member):
    other = make_member()
    ack = listener.emit("join", {"room": live.member_room(listener.member)}, callback=True)
    assert ack == {"ok": True, "room": live.member_room(listener.member), "state": None}
    ack = listener.emit("join", {"room": live.member_room(other)}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
