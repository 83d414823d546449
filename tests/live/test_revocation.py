"""Rights withdrawn from open connections: status, role, sign-out (app/live/revocation.py).

Real servers and real Socket.IO clients on a committed database: first one server in a
thread (the test changes the data through the same process), then two server processes
sharing Redis, where the change is made through one and the connection is held by the other.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import socketio as socketio_client
from flask_socketio import SocketIO
from sqlalchemy import select

from app import live
from app.extensions import db, socketio
from app.live import revocation
from app.members import services
from app.members.models import Member, MemberStatus, Role, RoleKind
from app.timeutil import local_today
from tests.live.conftest import WAIT, LiveClient, LiveServer, MemberRef, signed_in_session
from tests.live.test_live_js import NODE_FLAGS, node_with_websocket
from tests.live.test_redis import REDIS_URL, cluster  # noqa: F401  (fixture)

pytestmark = pytest.mark.no_db_transaction

FORMER_REASON = "Former members no longer have access to the cooperative's space."
SIGNED_OUT_REASON = "You signed out: this page no longer receives live updates."


# --- helpers -----------------------------------------------------------------------------------


def watch_disconnection(client: LiveClient) -> threading.Event:
    closed = threading.Event()
    client.sio.on("disconnect", lambda *args: closed.set())
    return closed


def event_named(client: LiveClient, name: str, skipping: tuple[str, ...] = ()) -> object:
    """The payload of the next `name` event; only events listed in `skipping` may come before it."""
    while True:
        event, payload = client.next_event()
        if event == name:
            return payload
        assert event in skipping, f"{event} arrived before {name}: {payload}"


def change_member(server: LiveServer, member: MemberRef, change) -> None:
    """Apply `change(member)` in the server's process and commit, as a request would."""
    with server.members.transaction() as session:
        change(session.get(Member, member.id))
        session.commit()


def joined(client: LiveClient, room: str) -> dict:
    ack = client.call("join", {"room": room})
    assert ack["ok"], ack
    return ack


def participants(room: str) -> set[str]:
    return {sid for sid, _eio in socketio.server.manager.get_participants("/", room)}


def new_ballot(server: LiveServer) -> int:
    from app.governance import services as governance
    from app.votes import services as votes

    with server.app.app_context():
        ballot = votes.create_ballot(level=governance.level_by_code("seminar"), title="Charte", visibility="live")
        votes.open_ballot(ballot)
        db.session.commit()
        return ballot.id


def vote(client: LiveClient, ballot_id: int, choice: str) -> None:
    ack = client.call("vote", {"ballot": ballot_id, "choice": {"choice": choice}, "key": secrets.token_urlsafe(16)})
    assert ack["ok"], ack


def update_showing(client: LiveClient, voted: int) -> dict:
    while True:
        event, payload = client.next_event()
        if event == "ballot_update" and payload["turnout"]["voted"] == voted:
            return payload


@pytest.fixture
def probe_rooms(room_kind):
    """Two test-only room kinds targeting a member: `probe` for every member, `board` for co-managers."""
    def load(member_id):
        return db.session.get(Member, member_id)

    room_kind("probe", action="members.view", loader=load)
    room_kind("board", action="ballots.manage", loader=load)  # co-managers and the administrator only


# --- one process -------------------------------------------------------------------------------


def test_a_member_who_becomes_a_former_member_is_told_and_disconnected(live_server, clients):
    ana, bob, carl = (live_server.members.add(language="en") for _ in range(3))
    ballot_id = new_ballot(live_server)
    room = f"ballot:{ballot_id}"
    ana_http = signed_in_session(live_server.url, ana)
    watcher = clients(LiveClient(live_server.url, ana_http)).connect()
    voter = clients(live_server.client(bob)).connect()
    closed = watch_disconnection(watcher)
    joined(watcher, room)
    joined(voter, room)
    vote(voter, ballot_id, "for")
    assert update_showing(watcher, voted=1)["ballot"] == ballot_id
    update_showing(voter, voted=1)
    ana_sid = watcher.sio.get_sid("/")
    assert ana_sid in participants(room)

    change_member(live_server, ana, lambda m: services.record_status(m, MemberStatus.FORMER, local_today()))

    notice = event_named(watcher, "rights_changed", skipping=("ballot_update",))
    assert notice["closing"] is True
    assert notice["code"] == "forbidden" and notice["message"] == FORMER_REASON
    assert {entry["room"] for entry in notice["rooms"]} == {room, f"member:{ana.id}"}
    assert all(entry["message"] == FORMER_REASON for entry in notice["rooms"])
    assert closed.wait(WAIT), "the server did not close the former member's connection"
    assert ana_sid not in participants(room)
    assert not socketio.server.manager.is_connected(ana_sid, "/")

    # The ballot goes on for the others, without the former member.
    vote(clients(live_server.client(carl)).connect(), ballot_id, "against")
    assert update_showing(voter, voted=2)["tally"]["counts"]["against"] == 1
    assert watcher.events.empty()
    # The session cookie is still there, but a new connection is refused.
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        clients(LiveClient(live_server.url, ana_http)).connect()


def test_a_co_manager_who_loses_the_role_leaves_only_the_co_managers_room(live_server, clients, probe_rooms):
    carol = live_server.members.add(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER], language="en")
    client = clients(live_server.client(carol)).connect()
    board, probe = f"board:{carol.id}", f"probe:{carol.id}"
    joined(client, board)
    joined(client, probe)
    sid = client.sio.get_sid("/")

    def end_mandate(member):
        role = db.session.scalar(select(Role).where(Role.member_id == member.id, Role.kind == RoleKind.CO_MANAGER))
        services.end_role(role, local_today() - timedelta(days=1))

    change_member(live_server, carol, end_mandate)

    with live_server.app.app_context():
        live.emit_now(board, "board.minutes", {"n": 1})
        live.emit_now(probe, "probe.ping", {"n": 2})
        live.emit_now(f"member:{carol.id}", "marker", {})
    assert client.events_until("marker") == [
        ("rights_changed", {"closing": False, "rooms": [{
            "room": board, "code": "forbidden",
            "message": "Only the co-managers and the administrator may prepare, open or close a ballot."}]}),
        ("probe.ping", {"n": 2}),
        ("marker", {}),
    ]
    assert sid not in participants(board)
    assert sid in participants(probe) and sid in participants(f"member:{carol.id}")
    assert client.sio.connected
    assert client.call("state", {"room": probe})["ok"] is True
    assert client.call("state", {"room": board})["error"]["code"] == "forbidden"


def test_signing_out_closes_the_sockets_of_that_session_only(live_server, clients):
    dan = live_server.members.add(language="en")
    browser = signed_in_session(live_server.url, dan)
    phone = signed_in_session(live_server.url, dan)
    tabs = [clients(LiveClient(live_server.url, browser)).connect() for _ in range(2)]
    closed = [watch_disconnection(tab) for tab in tabs]
    on_phone = clients(LiveClient(live_server.url, phone)).connect()

    response = browser.post(f"{live_server.url}/deconnexion", allow_redirects=False, timeout=WAIT)
    assert response.status_code == 302

    for tab, tab_closed in zip(tabs, closed, strict=True):
        notice = event_named(tab, "rights_changed")
        assert notice["closing"] is True
        assert (notice["code"], notice["message"]) == ("signed_out", SIGNED_OUT_REASON)
        assert notice["rooms"] == [{"room": f"member:{dan.id}", "code": "signed_out", "message": SIGNED_OUT_REASON}]
        assert tab_closed.wait(WAIT), "the signed-out tab's connection stayed open"
    # The phone's session is another sign-in: it keeps its connection.
    with live_server.app.app_context():
        live.emit_now(f"member:{dan.id}", "marker", {})
    assert on_phone.events_until("marker") == [("marker", {})]
    assert on_phone.sio.connected
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        clients(LiveClient(live_server.url, browser)).connect()


def test_a_rolled_back_change_revokes_nothing(live_server, clients, probe_rooms, monkeypatch):
    eve = live_server.members.add(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER], language="en")
    newcomer = live_server.members.add(language="en")
    client = clients(live_server.client(eve)).connect()
    board = f"board:{eve.id}"
    joined(client, board)
    requests_handled = []
    original = revocation.revoke_local

    def recorded(app, server, request):
        requests_handled.append(request)
        original(app, server, request)

    monkeypatch.setattr(revocation, "revoke_local", recorded)

    with live_server.members.transaction() as session:
        services.record_status(session.get(Member, eve.id), MemberStatus.FORMER, local_today())
        session.rollback()
    with live_server.members.transaction() as session:
        savepoint = session.begin_nested()
        role = session.scalar(select(Role).where(Role.member_id == eve.id))
        services.end_role(role, local_today() - timedelta(days=1))
        savepoint.rollback()
        session.get(Member, eve.id).bio = "Committed, without the rolled-back end of mandate."
        session.commit()
    assert requests_handled == []

    # A committed change that withdraws nothing is checked, and says nothing.
    def tutor(member):
        services.assign_role(member, RoleKind.TUTOR, local_today(), local_today() + timedelta(days=200),
                             tutee=db.session.get(Member, newcomer.id))

    change_member(live_server, eve, tutor)
    assert requests_handled == [{"member": eve.id, "cause": "rights"}]

    with live_server.app.app_context():
        live.emit_now(board, "board.minutes", {"n": 1})
        live.emit_now(f"member:{eve.id}", "marker", {})
    assert client.events_until("marker") == [("board.minutes", {"n": 1}), ("marker", {})]
    assert client.call("state", {"room": board})["ok"] is True


LIVE_JS_SCRIPT = """
const [url, cookie, vendor, liveJs, probe, board] = JSON.parse(process.argv[1]);
const print = (step, data) => console.log(JSON.stringify({ step, ...data }));
const NativeWebSocket = globalThis.WebSocket;
globalThis.WebSocket = class extends NativeWebSocket {
  constructor(address, protocols) { super(address, { protocols: protocols || [], headers: { cookie } }); }
};
const io = require(vendor);
require(liveJs);
setTimeout(() => { print("timeout", {}); process.exit(2); }, 30000).unref();
const live = globalThis.FacettesLive.connect({
  url, io, transports: ["websocket"],
  onStatus: (status, detail) => {
    if (status === "refused") { print("refused", { detail, rooms: live.rooms() }); process.exit(0); }
  },
  onError: (error, room) => print("room_lost", { room, code: error.code, message: error.message, rooms: live.rooms() }),
});
Promise.all([live.join(probe), live.join(board)]).then(() => print("joined", { rooms: live.rooms() }));
"""


def test_live_js_forgets_the_rooms_withdrawn_and_reports_a_closed_connection(live_server, probe_rooms):
    node = node_with_websocket()
    hana = live_server.members.add(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER], language="en")
    cookie = "session=" + signed_in_session(live_server.url, hana).cookies["session"]
    static = Path(live_server.app.static_folder)
    probe, board = f"probe:{hana.id}", f"board:{hana.id}"
    args = [live_server.url, cookie, str(static / "vendor/socket.io/socket.io.min.js"), str(static / "js/live.js"),
            probe, board]
    run = subprocess.Popen([node, *NODE_FLAGS, "-e", LIVE_JS_SCRIPT, json.dumps(args)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def step() -> dict:
            line = run.stdout.readline()  # the script exits by itself within 30 s: never blocks for ever
            assert line, run.stderr.read()
            return json.loads(line)

        assert step() == {"step": "joined", "rooms": [probe, board]}

        def end_mandate(member):
            role = db.session.scalar(select(Role).where(Role.member_id == member.id))
            services.end_role(role, local_today() - timedelta(days=1))

        change_member(live_server, hana, end_mandate)
        assert step() == {"step": "room_lost", "room": board, "code": "forbidden", "rooms": [probe],
                          "message": "Only the co-managers and the administrator may prepare, open or close a ballot."}

        change_member(live_server, hana, lambda m: services.record_status(m, MemberStatus.FORMER, local_today()))
        assert step() == {"step": "refused", "rooms": [],
                          "detail": {"code": "forbidden", "message": FORMER_REASON}}
        assert run.wait(WAIT) == 0
    finally:
        if run.poll() is None:
            run.kill()
        run.wait(WAIT)
        run.stdout.close()
        run.stderr.close()


# --- two processes sharing Redis (after the tests above: the cluster rebinds the SocketIO object) -


def test_a_status_changed_through_one_process_closes_the_connection_held_by_another(cluster, clients):  # noqa: F811
    admin = cluster.members.add(MemberStatus.ESA, roles=[RoleKind.ADMINISTRATOR])
    fred = cluster.members.add(language="en")
    on_a = clients(cluster.client(cluster.a, signed_in_session(cluster.a.url, fred))).connect()
    closed = watch_disconnection(on_a)

    response = signed_in_session(cluster.b.url, admin).post(
        f"{cluster.b.url}/membres/{fred.id}/statut",
        data={"status": "former", "effective_on": local_today().isoformat(), "note": ""},
        allow_redirects=False, timeout=WAIT,
    )
    assert response.status_code == 302, response.text[:500]

    notice = event_named(on_a, "rights_changed")
    assert notice["closing"] is True
    assert (notice["code"], notice["message"]) == ("forbidden", FORMER_REASON)
    assert closed.wait(WAIT), "process A kept the former member's connection"


def test_signing_out_on_one_process_closes_that_sessions_socket_on_another(cluster, clients):  # noqa: F811
    gina = cluster.members.add(language="en")
    browser = signed_in_session(cluster.a.url, gina)
    other_browser = signed_in_session(cluster.b.url, gina)
    on_a = clients(cluster.client(cluster.a, browser)).connect()
    closed = watch_disconnection(on_a)
    on_b = clients(cluster.client(cluster.b, other_browser)).connect()

    # The session cookie works on every process: sign out through B.
    assert browser.post(f"{cluster.b.url}/deconnexion", allow_redirects=False, timeout=WAIT).status_code == 302

    notice = event_named(on_a, "rights_changed")
    assert (notice["closing"], notice["code"], notice["message"]) == (True, "signed_out", SIGNED_OUT_REASON)
    assert closed.wait(WAIT), "process A kept the signed-out session's connection"
    SocketIO(message_queue=REDIS_URL, channel=cluster.channel).emit("marker", {}, to=f"member:{gina.id}")
    assert on_b.events_until("marker") == [("marker", {})]
    assert on_b.sio.connected
