"""Live proposal page over a real server and real Socket.IO clients: comments, amendments and
sense-check counts reach every viewer without reloading; the bell's count reaches its member."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.governance import services as governance
from tests.live.conftest import signed_in_session

pytestmark = pytest.mark.no_db_transaction


def everyday_matter(live_server) -> int:
    with live_server.app.app_context():
        matter = governance.matter_by_code("everyday").id
        db.session.rollback()
        return matter


def post(http, url, data, expected=302):
    response = http.post(url, data=data, allow_redirects=False, timeout=10)
    assert response.status_code == expected, response.text[:1000]
    return response


def draft(live_server, http, title="Des bureaux partagés"):
    response = post(http, f"{live_server.url}/propositions/nouvelle", {
        "title": title, "body": "Texte.", "matter_id": str(everyday_matter(live_server)), "level_id": ""})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def collect(client, *names) -> dict:
    """The first payload of each named event, waiting until all have come (other events are skipped)."""
    found: dict = {}
    while set(names) - set(found):
        event, payload = client.next_event()
        if event in names:
            found.setdefault(event, payload)
    return found


def wait_for(client, name):
    return collect(client, name)[name]


def test_viewers_see_comments_amendments_and_counts_appear(live_server, clients):
    author = live_server.members.add(name="Aline Autrice")
    viewer = live_server.members.add(name="Victor Lecteur")
    author_http = signed_in_session(live_server.url, author)
    viewer_http = signed_in_session(live_server.url, viewer)
    proposal_id = draft(live_server, author_http)
    room = f"proposal:{proposal_id}"

    watcher = clients(live_server.client(viewer)).connect()
    refused = watcher.call("join", {"room": room})  # still a draft: its authors only
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"

    post(author_http, f"{live_server.url}/propositions/{proposal_id}/ouvrir", {"reason": ""})
    joined = watcher.call("join", {"room": room})
    assert joined["ok"] is True and joined["state"]["comments"] == [] and joined["state"]["state"] == "debate"

    post(author_http, f"{live_server.url}/propositions/{proposal_id}/commentaires",
         {"body": "Qu'en pense @Victor Lecteur ?", "stance": "question"})
    received = collect(watcher, "comment", "notices")
    comment = received["comment"]
    assert comment["action"] == "added" and comment["parent_id"] is None
    assert received["notices"] == {"unread": 1}  # the mention, in the viewer's own room
    fragment = viewer_http.get(f"{live_server.url}/commentaires/{comment['id']}/fragment", timeout=10)
    assert fragment.status_code == 200 and 'class="mention"' in fragment.text and "Victor Lecteur" in fragment.text

    post(author_http, f"{live_server.url}/propositions/{proposal_id}/avis", {"opinion": "agree", "reason": ""})
    counts = wait_for(watcher, "sense_checks")["counts"]
    assert counts == {"agree": 1, "reservation": 0, "disagree": 0, "blocking_objection": 0}

    post(author_http, f"{live_server.url}/propositions/{proposal_id}/amendements/nouveau",
         {"body": "Texte amendé.", "rationale": "", "base_revision": "1"})
    amendment = wait_for(watcher, "amendment")
    assert amendment["action"] == "added" and amendment["status"] == "pending"

    # The same service from the socket: a sense check given live, acknowledged with the counts.
    ack = watcher.call("proposal.sense_check", {"proposal": proposal_id, "opinion": "blocking_objection"})
    assert ack["ok"] is False and "reason" in ack["error"]["fields"]
    ack = watcher.call("proposal.sense_check", {"proposal": proposal_id, "opinion": "reservation", "reason": "Coût"})
    assert ack["ok"] is True and ack["sense_checks"]["reservation"] == 1

    # A client that comes back receives the whole current state, missed events or not.
    late = clients(live_server.client(viewer)).connect()
    state = late.call("join", {"room": room})["state"]
    assert [pair[0] for pair in state["comments"]] == [comment["id"]]
    assert [pair[0] for pair in state["amendments"]] == [amendment["id"]]
    assert state["sense_checks"]["agree"] == 1 and state["sense_checks"]["reservation"] == 1


def test_a_refused_action_emits_nothing(live_server, clients):
    author = live_server.members.add()
    intruder = live_server.members.add()
    author_http = signed_in_session(live_server.url, author)
    proposal_id = draft(live_server, author_http, "Autre")
    post(author_http, f"{live_server.url}/propositions/{proposal_id}/ouvrir", {"reason": ""})
    watcher = clients(live_server.client(author)).connect()
    assert watcher.call("join", {"room": f"proposal:{proposal_id}"})["ok"] is True
    intruder_http = signed_in_session(live_server.url, intruder)
    post(intruder_http, f"{live_server.url}/propositions/{proposal_id}/commentaires", {"body": "", "stance": "for"})
    post(author_http, f"{live_server.url}/propositions/{proposal_id}/avis", {"opinion": "disagree", "reason": ""})
    # Events arrive in order: the first one seen is the sense check, not a comment that was refused.
    assert watcher.next_event()[0] == "sense_checks"
