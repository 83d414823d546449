"""Every route and every Socket.IO event, against every role, as tests/security/route_table.py says.

The routes come from the application itself — ``app.url_map`` (pages and API), the OpenAPI
document, and ``socketio.server.handlers`` for every namespace — so a new route that nobody
put in the table fails here, and so does a table row whose route is gone. Then each pair
(route, role) is played for real, in its own rolled-back savepoint, and the answer must be
the table's token exactly; a refused request must also leave every table of the database as
it was.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import g

from app.extensions import db
from tests.conftest import FreshRequestClient
from tests.security import route_table
from tests.security.conftest import CHECKED

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask itself for every rule


def url_map_routes(app) -> dict[tuple[str, str], object]:
    routes = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - IGNORED_METHODS:
            routes[(rule.endpoint, method)] = rule
    return routes


def table_rows(app) -> list[route_table.Row]:
    rules = url_map_routes(app)
    return [route_table.Row(endpoint, method, expected, rules[(endpoint, method)])
            for (endpoint, method), expected in sorted(route_table.HTTP.items()) if (endpoint, method) in rules]


REDIRECTS = {301, 302, 303, 307, 308}


def client_for(app, member_id: int | None) -> FreshRequestClient:
    """A fresh browser; a member's one carries the session Flask-Login would have written at sign-in.

    Setting the session directly also gives the former member the session they opened before leaving.
    """
    client = FreshRequestClient(app, app.response_class, use_cookies=True)
    if member_id is not None:
        with client.session_transaction() as session:
            session["_user_id"] = str(member_id)
            session["_fresh"] = True
    return client


def classify(response, client) -> str:
    status = response.status_code
    if status in REDIRECTS:
        if urlsplit(response.headers.get("Location", "")).path == "/connexion":
            return "login"
        # Some buttons answer a refusal by a redirect back to the page with an error message.
        with client.session_transaction() as session:
            if any(category == "error" for category, _ in session.get("_flashes", [])):
                return "flash"
        return "ok"
    if status == 401:
        return "login"
    if status < 300:
        return "ok"
    return str(status)


def fingerprint(connection) -> str:
    """A digest of every row of every table: a refused request must leave all of them as they were."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = connection.execute(sa.select(table)).all()
        digest.update(table.name.encode())
        digest.update(repr(sorted(repr(tuple(row)) for row in rows)).encode())
    return digest.hexdigest()


def _reset_session() -> None:
    db.session.rollback()
    db.session.remove()
    for key in list(g):
        g.pop(key)


def play_request(app, world, row: route_table.Row, role: str, before: str) -> tuple[str, str | None]:
    """(outcome token, problem) of one route for one role; problem when a refusal changed the database.

    ``before`` is the world's fingerprint: every request is rolled back, so it never moves.
    """
    connection = db.session.get_bind()
    _reset_session()
    savepoint = connection.begin_nested()
    try:
        client = client_for(app, world.roles[role])
        url = row.url(world)
        kwargs = row.request_kwargs(world)
        response = client.open(url, method=row.method, **kwargs)
        outcome = classify(response, client)
        problem = None
        if outcome in route_table.DENIALS:
            db.session.rollback()
            if fingerprint(connection) != before:
                problem = "refused, yet the database changed"
        return outcome, problem
    finally:
        _reset_session()
        savepoint.rollback()


def play_event(app, world, event: route_table.EventRow, role: str, before: str) -> tuple[str, str | None]:
    """(outcome token, problem) of one Socket.IO event emitted by one role's own connection."""
    from app.extensions import socketio

    connection = db.session.get_bind()
    _reset_session()
    savepoint = connection.begin_nested()
    socket = None
    try:
        client = client_for(app, world.roles[role])
        if event.namespace == route_table.PROJECTOR:
            auth = event.auth(world) if event.auth else None
            socket = socketio.test_client(app, namespace=event.namespace, flask_test_client=client, auth=auth)
        else:
            socket = socketio.test_client(app, flask_test_client=client)
        outcome = _emit(socket, event, world)
        problem = None
        if outcome in route_table.EVENT_DENIALS:
            db.session.rollback()
            if fingerprint(connection) != before:
                problem = "refused, yet the database changed"
        return outcome, problem
    finally:
        if socket is not None and socket.is_connected(event.namespace):
            socket.disconnect(namespace=event.namespace)
        _reset_session()
        savepoint.rollback()


def _emit(socket, event: route_table.EventRow, world) -> str:
    if not socket.is_connected(event.namespace):
        return "refused"
    if event.event == "connect":
        return "ok"
    if event.event == "disconnect":
        socket.disconnect(namespace=event.namespace)
        return "ok" if not socket.is_connected(event.namespace) else "still-connected"
    ack = socket.emit(event.event, event.payload(world), callback=True, namespace=event.namespace)
    if not isinstance(ack, dict):
        return "no-ack"
    if ack.get("ok"):
        return "ok"
    code = ack.get("error", {}).get("code", "?")
    return route_table.EVENT_CODES.get(code, code)


# --- (1) and (2): the table lists exactly what the application serves ------------------------------


def test_every_route_of_the_url_map_is_in_the_table_and_no_other(app):
    served = set(url_map_routes(app))
    listed = set(route_table.HTTP)
    missing = sorted(served - listed)
    stale = sorted(listed - served)
    assert not missing, f"routes the table does not list (add a line to route_table.HTTP): {missing}"
    assert not stale, f"table lines whose route no longer exists: {stale}"


def _openapi_path(rule) -> str:
    # /api/v1/ballots/<int(min=1):ballot_id> -> /api/v1/ballots/{ballot_id}
    return re.sub(r"<(?:[^<>:]+(?:\([^<>]*\))?:)?([^<>]+)>", r"{\1}", rule.rule)


def test_every_openapi_operation_is_a_listed_route(app):
    from app.extensions import api

    by_path: dict[tuple[str, str], str] = {}
    for (endpoint, method), rule in url_map_routes(app).items():
        by_path[(_openapi_path(rule), method)] = endpoint
    operations = [(path, method.upper()) for path, item in api.spec.to_dict()["paths"].items()
                  for method in item if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}]
    assert len(operations) > 50  # the whole API, not an empty document
    unserved = [op for op in operations if op not in by_path]
    unlisted = [op for op in operations if op in by_path and (by_path[op], op[1]) not in route_table.HTTP]
    assert not unserved, f"OpenAPI operations no rule serves: {unserved}"
    assert not unlisted, f"OpenAPI operations the table does not list: {unlisted}"


def test_every_socketio_handler_and_room_kind_is_in_the_table(app):
    from app.extensions import socketio
    from app.live.rooms import ROOM_KINDS

    registered = {(namespace, event) for namespace, handlers in socketio.server.handlers.items()
                  for event in handlers}
    listed = {(row.namespace, row.event) for row in route_table.EVENTS}
    assert route_table.PROJECTOR in {namespace for namespace, _ in registered}
    assert not registered - listed, f"Socket.IO handlers the table does not list: {sorted(registered - listed)}"
    assert not listed - registered, f"table lines whose handler no longer exists: {sorted(listed - registered)}"
    for event in ("join", "state"):
        rooms = {row.room for row in route_table.EVENTS if row.namespace == "/" and row.event == event}
        assert rooms == set(ROOM_KINDS), f"{event}: room kinds {sorted(set(ROOM_KINDS) ^ rooms)} differ"


# --- (3): every pair answers what the table says --------------------------------------------------------


def _table_line(key: str, answers: dict[str, str]) -> str:
    return f"{key:<50} " + " ".join(f"{answers[role]:<8}" for role in route_table.ROLES)


def test_every_route_answers_each_role_as_the_table_says(app, world):
    before = fingerprint(db.session.get_bind())
    rows = table_rows(app)
    failures, pairs, refusals = [], 0, 0
    for row in rows:
        actual = {}
        for role in route_table.ROLES:
            actual[role], problem = play_request(app, world, row, role, before)
            pairs += 1
            refusals += actual[role] in route_table.DENIALS
            if problem:
                failures.append(f"{row.endpoint} {row.method} as {role}: {problem}")
        if actual != row.expected:
            differing = [role for role in route_table.ROLES if actual[role] != row.expected[role]]
            failures.append(f"{row.endpoint} {row.method}: {', '.join(differing)} differ\n"
                            f"  table:  {_table_line('', row.expected)}\n  actual: {_table_line('', actual)}")
    CHECKED["HTTP routes"] = (len(rows), pairs, refusals)
    print(f"\nauthorisation matrix: {len(rows)} routes x {len(route_table.ROLES)} roles = {pairs} pairs, "
          f"{refusals} refusals checked to change nothing")
    assert len(rows) == len(route_table.HTTP)
    assert not failures, "\n".join(failures)


def test_every_socketio_event_answers_each_role_as_the_table_says(app, world):
    before = fingerprint(db.session.get_bind())
    failures, pairs, refusals = [], 0, 0
    for event in route_table.EVENTS:
        actual = {}
        for role in route_table.ROLES:
            actual[role], problem = play_event(app, world, event, role, before)
            pairs += 1
            refusals += actual[role] in route_table.EVENT_DENIALS
            if problem:
                failures.append(f"{event.key} as {role}: {problem}")
        if actual != event.expected:
            failures.append(f"{event.key}\n  table:  {_table_line('', event.expected)}\n"
                            f"  actual: {_table_line('', actual)}")
    CHECKED["Socket.IO events"] = (len(route_table.EVENTS), pairs, refusals)
    print(f"\nauthorisation matrix: {len(route_table.EVENTS)} Socket.IO rows x {len(route_table.ROLES)} roles "
          f"= {pairs} pairs, {refusals} refusals checked to change nothing")
    assert not failures, "\n".join(failures)


# --- the matrix's bystanders, seen from the owners' side ------------------------------------------------


def test_a_draft_is_seen_by_its_author_only(app, world):
    """Every role of the matrix is refused a draft, on the page, the API and its live room; its author is not."""
    from app.extensions import socketio

    author = world.subject
    for role, member_id in [*world.roles.items(), ("author", author)]:
        client = client_for(app, member_id)
        page = client.get(f"/propositions/{world.draft}")
        resource = client.get(f"/api/v1/proposals/{world.draft}")
        expected = "ok" if role == "author" else ("login" if member_id is None or role == "former" else None)
        if expected:
            assert (classify(page, client), classify(resource, client)) == (expected, expected), role
        else:
            assert page.status_code in {403, 404} and resource.status_code in {403, 404}, role
        socket = socketio.test_client(app, flask_test_client=client)
        if socket.is_connected():
            ack = socket.emit("join", {"room": f"proposal:{world.draft}"}, callback=True)
            assert ack["ok"] is (role == "author"), (role, ack)
            socket.disconnect()
        else:
            assert role in {"anon", "former"}


def test_wg_b_writes_in_its_own_group_and_a_member_of_a_in_a(app, world):
    """The refusals on workgroup A are about A: B's facilitator writes in B, A's member writes in A."""
    for member_id, group in ((world.roles["wg_b"], world.group_b), (world.member_a, world.group_a)):
        client = client_for(app, member_id)
        response = client.post(f"/api/v1/workgroups/{group}/messages", json={"body": "Bonjour"})
        assert response.status_code == 201, response.get_json()
    # The former member is still on A's roster, and refused all the same.
    client = client_for(app, world.roles["former"])
    assert client.post(f"/api/v1/workgroups/{world.group_a}/messages", json={"body": "Bonjour"}).status_code == 401


def test_the_database_digest_sees_a_change_anywhere(app, world):
    """The "refusals change nothing" check would be empty if the digest missed changes: it does not."""
    from app.votes.models import Ballot

    connection = db.session.get_bind()
    before = fingerprint(connection)
    assert fingerprint(connection) == before
    db.session.get(Ballot, world.ballot).title = "Un autre titre"
    db.session.flush()
    assert fingerprint(connection) != before
