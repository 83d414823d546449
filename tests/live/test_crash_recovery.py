"""Issue 9: the server dies (SIGKILL) with 200 votes in flight, restarts, and no vote is lost or counted twice.

One production worker (gunicorn, gevent) on a committed database. 200 electors' clients
send their vote at once; the 50th acknowledgement kills the whole process group, so the
rest are in flight: some committed but never acknowledged, some never committed. The
server restarts on the same database and port; every client reconnects, rejoins the
ballot's room (the snapshot says whether its vote is in) and resends every vote it has no
acknowledgement for, with the same idempotency key. Shown:

- every acknowledged vote survived the crash (read from the database before the restart);
- a resent vote comes back ``repeated`` exactly when it had been stored before the crash,
  and a vote acknowledged then resent comes back ``repeated`` with the same receipt;
- at the end, 200 participations and 200 votes, one per elector, each with the receipt
  its key gives; the tally is the one the choices give, every client holds it, and the
  audit chain verifies (``flask votes verify-audit``).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.live.procs import (
    AckCounter,
    Voter,
    assert_audit_verifies,
    expected_receipt,
    in_parallel,
    open_ballot_for,
    read_box,
    session_cookies,
    vote_all,
    wait_for,
    wait_until_subscribed,
    worker_cluster,
)

pytestmark = pytest.mark.no_db_transaction

ELECTORS = 200
KILL_AT = 50  # acknowledgements received when the server is killed
RESENT_ACKNOWLEDGED = 20  # acknowledged votes sent again on purpose


@pytest.fixture
def crash_setup(app, tmp_path):
    with worker_cluster(tmp_path, "crash", ["server"]) as (live_app, (worker,), channel, voters):
        yield live_app, worker, channel, voters


def test_votes_in_flight_when_the_server_is_killed_are_stored_once_after_restart(crash_setup):
    live_app, worker, channel, voters = crash_setup
    ballot_id, electors = open_ballot_for(live_app, ELECTORS)
    worker.start()
    cookies = session_cookies(live_app, electors)
    voters += [Voter(i, member_id, cookie, ballot_id) for i, (member_id, cookie) in enumerate(zip(electors, cookies,
                                                                                                    strict=True))]
    worker.wait_until_serving()
    in_parallel(lambda v: v.connect(worker.url), voters)
    snapshots = in_parallel(Voter.join, voters)
    assert {s["turnout"]["voted"] for s in snapshots} == {0}
    wait_until_subscribed(channel, 1)

    # --- 200 votes at once; the 50th ack kills the server -------------------------------------
    killer = AckCounter(KILL_AT, worker.kill)
    for voter in voters:
        voter.send_vote(killer)
    wait_for(killer.fired.is_set, f"{KILL_AT} acknowledgements")
    worker.wait_dead()
    # An ack already written to a socket may still be read after the kill: count once every client saw the drop.
    wait_for(lambda: all(v.dropped.is_set() for v in voters), "every client to see the server die")
    acknowledged = [v for v in voters if v.acknowledged]
    unacknowledged = [v for v in voters if not v.acknowledged]
    assert KILL_AT <= len(acknowledged) < ELECTORS, "the kill must fall between the first and the last ack"
    assert all(v.acks[0]["ok"] and not v.acks[0]["repeated"] for v in acknowledged)

    # --- the database as the crash left it: no acknowledged vote lost -------------------------
    crashed = read_box(live_app, ballot_id)
    assert {v.member_id for v in acknowledged} <= crashed.electors
    assert {v.acks[0]["receipt"] for v in acknowledged} <= crashed.receipts
    assert crashed.participations == crashed.votes == len(crashed.electors)
    stored_unacknowledged = [v for v in unacknowledged if v.member_id in crashed.electors]

    # --- restart on the same database and port; every client reconnects and rejoins ----------
    worker.start().wait_until_serving()
    in_parallel(lambda v: v.connect(worker.url), voters)
    snapshots = in_parallel(Voter.join, voters)
    wait_until_subscribed(channel, 1)
    assert {s["turnout"]["voted"] for s in snapshots} == {crashed.participations}
    # The snapshot tells each client whether its vote is in, acknowledged or not.
    assert [s["me"]["voted"] for s in snapshots] == [v.member_id in crashed.electors for v in voters]

    # --- resend every unacknowledged vote with its key, and some acknowledged ones ------------
    resent = unacknowledged + acknowledged[:RESENT_ACKNOWLEDGED]
    retry = vote_all(resent)
    assert all(ack["ok"] for ack in retry.values()), [a for a in retry.values() if not a["ok"]][:3]
    for voter in resent:
        assert retry[voter.member_id]["repeated"] is (voter.member_id in crashed.electors), voter
        assert retry[voter.member_id]["receipt"] == expected_receipt(ballot_id, voter.member_id, voter.key)
    for voter in acknowledged[:RESENT_ACKNOWLEDGED]:
        assert retry[voter.member_id]["receipt"] == voter.acks[0]["receipt"]
    repeated = sum(ack["repeated"] for ack in retry.values())
    assert repeated == len(stored_unacknowledged) + min(RESENT_ACKNOWLEDGED, len(acknowledged))

    # --- one vote per elector, each receipt in the box, the tally the choices give ------------
    final = read_box(live_app, ballot_id)
    assert final.participations == final.votes == ELECTORS
    assert final.electors == set(electors)
    assert final.receipts == {expected_receipt(ballot_id, v.member_id, v.key) for v in voters}
    assert final.audit_seq == 1 + ELECTORS  # "opened", then one entry per vote stored: none twice
    expected_counts = Counter(v.choice for v in voters)

    def holds_final(voter: Voter) -> bool:
        with voter.lock:
            state = voter.latest
        return state["version"] == final.audit_seq and state["turnout"]["voted"] == ELECTORS

    wait_for(lambda: all(holds_final(v) for v in voters), "every client to hold the final tally")
    for voter in voters:
        tally = voter.latest["tally"]
        assert tally["voters"] == ELECTORS
        assert tally["counts"] == {c: expected_counts[c] for c in ("for", "against", "abstain", "blank")}

    assert_audit_verifies(live_app, ballot_id, 1 + ELECTORS)

    print(f"\n[crash recovery, {db_kind(live_app)}] electors={ELECTORS} acknowledged_before_kill={len(acknowledged)} "
          f"in_flight={len(unacknowledged)} stored_but_unacknowledged={len(stored_unacknowledged)} "
          f"resent={len(resent)} (unacknowledged {len(unacknowledged)} + acknowledged "
          f"{min(RESENT_ACKNOWLEDGED, len(acknowledged))}) stored_on_retry={len(resent) - repeated} "
          f"repeated={repeated} stored_total={final.votes} audit_entries={final.audit_seq}")


def db_kind(live_app) -> str:
    return live_app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]

