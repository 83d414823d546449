"""Live ballots with a real server and real Socket.IO clients, against a committed database.

The server runs in a thread (threading mode) on a loopback port; votes arrive through
HTTP (the API) and through the socket's `vote` event, and every client in ballot:<id>
receives the coalesced `ballot_update` broadcasts. No test depends on timing: waits are
upper bounds, and the coalescing interval is set long enough that "fewer broadcasts than
votes" holds however slow the machine.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from datetime import date

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.members import services as members
from app.members.models import MemberStatus, RoleKind
from app.votes import services
from app.votes.models import Participation, StoredVote
from tests.live.conftest import (
    WAIT,
    LiveClient,
    LiveServer,
    MemberRef,
    Members,
    dedicated_database,
    migrated_app,
    restored_socketio,
    signed_in_session,
)

pytestmark = pytest.mark.no_db_transaction
INTERVAL = 0.5  # seconds between two broadcasts of one ballot, at most


@pytest.fixture(scope="module")
def server(app, tmp_path_factory) -> Iterator[LiveServer]:
    with restored_socketio(), dedicated_database(tmp_path_factory.mktemp("votes-live"), "voteslive") as url:
        live_app = migrated_app(url, VOTES_LIVE_INTERVAL=INTERVAL)
        http = make_server("127.0.0.1", 0, live_app, threaded=True)
        thread = threading.Thread(target=http.serve_forever, name="votes-live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(live_app, f"http://127.0.0.1:{http.socket.getsockname()[1]}", Members(live_app))
        finally:
            http.shutdown()
            thread.join(WAIT)
            with live_app.app_context():
                db.engine.dispose()


@pytest.fixture
def clients() -> Iterator:
    opened: list[LiveClient] = []

    def connect(server: LiveServer, member: MemberRef) -> LiveClient:
        http = signed_in_session(server.url, member)
        http.headers["Accept-Language"] = "en"  # the source language of the messages compared here
        client = LiveClient(server.url, http).connect()
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


def new_ballot(server: LiveServer, **kwargs) -> int:
    """An open seminar ballot (every member votes), committed."""
    from app.governance import services as governance

    with server.app.app_context():
        kwargs.setdefault("title", "Scrutin en direct")
        ballot = services.create_ballot(level=governance.level_by_code("seminar"), **kwargs)
        services.open_ballot(ballot)
        db.session.commit()
        return ballot.id


def token_of(server: LiveServer, member: MemberRef) -> requests.Session:
    """An HTTP session calling the API with the member's personal token (no password hashing)."""
    with server.app.app_context():
        secret, _token = members.create_api_token(members.get_member(member.id), "live test")
        db.session.commit()
    http = requests.Session()
    http.headers.update({"Authorization": f"Bearer {secret}", "Accept-Language": "en"})
    return http


def vote_by_http(server: LiveServer, http: requests.Session, ballot_id: int, choice: dict) -> dict:
    response = http.post(f"{server.url}/api/v1/ballots/{ballot_id}/votes",
                         json={"choice": choice, "key": secrets.token_urlsafe(16)}, timeout=WAIT)
    assert response.status_code == 201, response.text
    return response.json()


def join(client: LiveClient, ballot_id: int) -> dict:
    ack = client.call("join", {"room": f"ballot:{ballot_id}"})
    assert ack["ok"], ack
    return ack["state"]


def updates_until(client: LiveClient, voted: int) -> list[dict]:
    """Every ballot_update received until one shows `voted` votes (other events skipped)."""
    seen = []
    while True:
        name, payload = client.next_event()
        if name == "ballot_update":
            seen.append(payload)
            if payload["turnout"]["voted"] == voted:
                return seen


def stored_in_database(server: LiveServer, ballot_id: int) -> int:
    with server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredVote).where(StoredVote.ballot_id == ballot_id))


# --- tests ----------------------------------------------------------------------------------


def test_two_clients_see_votes_cast_by_http_and_by_socket(server, clients):
    ana, bob = server.members.add(), server.members.add()
    ballot_id = new_ballot(server, visibility="live")
    first, second = clients(server, ana), clients(server, bob)
    state = join(first, ballot_id)
    assert state["turnout"]["voted"] == 0 and state["tally"]["counts"]["for"] == 0
    assert state["me"] == {"elector": True, "voted": False, "receipt": None, "vote": None,
                           "proxy_given_to": None, "proxies": []}
    join(second, ballot_id)

    vote_by_http(server, token_of(server, bob), ballot_id, {"choice": "against"})
    ack = first.call("vote", {"ballot": ballot_id, "choice": {"choice": "for"}, "key": secrets.token_urlsafe(16)})
    assert ack["ok"] and ack["ballot"] == ballot_id and ack["repeated"] is False
    # Acknowledged only once committed: another connection to the database sees the vote.
    assert stored_in_database(server, ballot_id) == 2

    for client in (first, second):
        final = updates_until(client, voted=2)[-1]
        assert final["ballot"] == ballot_id and final["state"] == "open"
        assert final["tally"]["counts"] == {"for": 1, "against": 1, "abstain": 0, "blank": 0}
        assert final["final"] is False


def test_rapid_votes_are_broadcast_coalesced(server, clients):
    voters = [server.members.add() for _ in range(30)]
    watcher = server.members.add()
    ballot_id = new_ballot(server, visibility="live")
    listener = clients(server, watcher)
    join(listener, ballot_id)
    sessions = [token_of(server, voter) for voter in voters]
    for http in sessions:
        vote_by_http(server, http, ballot_id, {"choice": "for"})
    updates = updates_until(listener, voted=len(voters))
    # At most one broadcast per ballot per INTERVAL: 30 votes never give 30 broadcasts.
    assert 1 <= len(updates) < len(voters)
    assert [u["turnout"]["voted"] for u in updates] == sorted(u["turnout"]["voted"] for u in updates)
    assert updates[-1]["tally"]["counts"]["for"] == len(voters)
    assert stored_in_database(server, ballot_id) == len(voters)


def test_a_reconnecting_client_receives_the_full_state(server, clients):
    ana, bob = server.members.add(), server.members.add()
    ballot_id = new_ballot(server, visibility="live", changeable=True)
    client = clients(server, ana)
    join(client, ballot_id)
    ack = client.call("vote", {"ballot": ballot_id, "choice": {"choice": "abstain"}, "key": secrets.token_urlsafe(16)})
    assert ack["ok"]
    client.close()
    vote_by_http(server, token_of(server, bob), ballot_id, {"choice": "for"})  # missed while away

    again = clients(server, ana)
    state = join(again, ballot_id)
    assert state["turnout"] == {"electorate": state["turnout"]["electorate"], "voted": 2}
    assert state["tally"]["counts"] == {"for": 1, "against": 0, "abstain": 1, "blank": 0}
    assert state["me"]["voted"] is True and state["me"]["receipt"] == ack["receipt"]
    assert state["me"]["vote"] == {"choice": "abstain"}  # named ballot: how it voted, too


def test_secret_ballot_state_says_voted_but_never_which_receipt(server, clients):
    ana = server.members.add()
    ballot_id = new_ballot(server, secrecy="secret", visibility="after_close")
    client = clients(server, ana)
    join(client, ballot_id)
    ack = client.call("vote", {"ballot": ballot_id, "choice": {"choice": "for"}, "key": secrets.token_urlsafe(16)})
    assert ack["ok"] and ack["receipt"]
    state = client.call("state", {"room": f"ballot:{ballot_id}"})["state"]
    assert state["me"]["voted"] is True and state["me"]["receipt"] is None and state["me"]["vote"] is None


def test_hidden_tally_broadcasts_turnout_only_until_closing(server, clients):
    ana, bob = server.members.add(), server.members.add()
    manager = server.members.add(MemberStatus.ESA, roles=[RoleKind.ADMINISTRATOR])
    ballot_id = new_ballot(server, visibility="after_close")
    client = clients(server, ana)
    state = join(client, ballot_id)
    assert "tally" not in state and state["turnout"]["voted"] == 0
    vote_by_http(server, token_of(server, bob), ballot_id, {"choice": "against"})
    update = updates_until(client, voted=1)[-1]
    assert set(update) == {"ballot", "version", "state", "visibility", "turnout"}
    assert update["version"] > state["version"]

    response = token_of(server, manager).post(f"{server.url}/api/v1/ballots/{ballot_id}/close", timeout=WAIT)
    assert response.status_code == 200
    closed = next(payload for name, payload in iter(client.next_event, None) if name == "ballot_closed")
    assert closed["state"] == "closed" and closed["final"] is True
    assert closed["tally"]["counts"]["against"] == 1


def test_vote_event_refusals_are_acknowledged_with_the_reason(server, clients):
    ana = server.members.add()
    employee = server.members.add(MemberStatus.ES, since=date(2024, 1, 1))
    server.members.add(MemberStatus.ESA, since=date(2020, 1, 1))  # the AG's electorate is never empty
    ballot_id = new_ballot(server, method="majority_judgment", options=["Lyon", "Grenoble"])
    client = clients(server, ana)
    bad = client.call("vote", {"ballot": ballot_id, "choice": {"grades": {}}, "key": secrets.token_urlsafe(16)})
    message = "Every option needs one grade from Excellent to Reject."
    assert bad == {"ok": False, "error": {"code": "invalid_input", "message": message,
                                          "fields": {"grades": [message]}}}
    malformed = client.call("vote", {"ballot": "one", "choice": [], "key": 3})
    assert malformed["ok"] is False and set(malformed["error"]["fields"]) == {"ballot", "choice", "key"}
    missing = client.call("vote", {"ballot": 999999, "choice": {}, "key": secrets.token_urlsafe(16)})
    assert missing["ok"] is False and missing["error"]["code"] == "not_found"
    with server.app.app_context():
        from app.governance import services as governance

        ag = services.create_ballot(title="AGO", level=governance.level_by_code("general_assembly"))
        services.open_ballot(ag)
        db.session.commit()
        ag_id = ag.id
    outsider = clients(server, employee)
    refused = outsider.call("vote", {"ballot": ag_id, "choice": {"choice": "for"}, "key": secrets.token_urlsafe(16)})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    assert "electorate" in refused["error"]["message"]
    with server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participation)
                                 .where(Participation.ballot_id.in_([ballot_id, ag_id]))) == 0


def test_unknown_ballot_room_is_refused(server, clients):
    client = clients(server, server.members.add())
    ack = client.call("join", {"room": "ballot:999999"})
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
