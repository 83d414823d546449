"""Issue 8: two gevent workers behind Redis, one live ballot, votes through either, and one worker killed.

Two production workers (``gunicorn -k gevent -w 1``, one process group each) share one
database and one Redis channel. 140 electors have a client: 100 connected to A, 40 to B,
all in ``ballot:<id>`` (secret ballot, tally visible live). Shown:

- votes sent through both workers at once reach every client as ``ballot_update``,
  whichever worker stored them (the broadcasts cross through Redis);
- A is killed with SIGKILL (master and worker) at its 10th acknowledgement, with the rest of
  its 99 votes in flight. No acknowledged vote is lost: all are in the database the moment
  A is dead;
- A's clients reconnect to B and rejoin: the join ack's snapshot says whether each one's
  vote is in. They resend every vote they have no acknowledgement for, with the same key:
  ``repeated`` exactly for those A had committed before dying, stored once for the rest.
  Votes A had acknowledged, resent through B, come back ``repeated`` and store nothing;
- B's remaining electors vote (five never do); every client, whichever worker it started
  on, ends with the same state: the last version of the audit chain, turnout = the number
  of votes stored, and the tally the choices give;
- the database holds one participation and one vote per elector who voted, each with the
  receipt its key gives, and the audit chain verifies.
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

ON_A, ON_B = 100, 40  # many votes in flight on A: its kill lands well before the last one
B_BEFORE_KILL, B_AFTER_KILL = 20, 14  # B's electors voting while A dies, then after; 5 never vote
KILL_AT = 10  # A's acknowledgements when it is killed
RESENT_ACKNOWLEDGED = 5


@pytest.fixture
def two_workers(app, tmp_path):
    with worker_cluster(tmp_path, "workers", ["worker-A", "worker-B"]) as cluster:
        yield cluster


def test_votes_through_two_workers_converge_and_survive_one_killed(two_workers):
    live_app, (a, b), channel, voters = two_workers
    ballot_id, electors = open_ballot_for(live_app, ON_A + ON_B)
    for worker in (a, b):
        worker.start()
    cookies = session_cookies(live_app, electors)
    voters += [Voter(i, member_id, cookie, ballot_id)
               for i, (member_id, cookie) in enumerate(zip(electors, cookies, strict=True))]
    on_a, on_b = voters[:ON_A], voters[ON_A:]
    burst_a = on_a[1:]
    b_first, b_then = on_b[1:1 + B_BEFORE_KILL], on_b[1 + B_BEFORE_KILL:1 + B_BEFORE_KILL + B_AFTER_KILL]
    for worker in (a, b):
        worker.wait_until_serving()
    in_parallel(lambda v: v.connect(a.url), on_a)
    in_parallel(lambda v: v.connect(b.url), on_b)
    assert {s["turnout"]["voted"] for s in in_parallel(Voter.join, voters)} == {0}
    wait_until_subscribed(channel, 2)

    # --- a broadcast crosses workers both ways ---------------------------------------------------
    # Only A has stored a vote, so only A's broadcast can tell B's clients about it; then only
    # B's vote can bring A's clients the second one (A's broadcaster has nothing left to send).
    assert on_a[0].vote()["ok"]
    wait_for(lambda: all(v.latest["turnout"]["voted"] == 1 for v in on_b), "A's broadcast on B's clients")
    assert on_b[0].vote()["ok"]
    wait_for(lambda: all(v.latest["turnout"]["voted"] == 2 for v in on_a), "B's broadcast on A's clients")

    # --- votes through both workers at once; A's 10th ack kills A ------------------------------
    killer = AckCounter(KILL_AT, a.kill)
    for index, voter in enumerate(burst_a):
        voter.send_vote(killer)
        if index < len(b_first):
            b_first[index].send_vote()
    wait_for(killer.fired.is_set, f"{KILL_AT} acknowledgements from A")
    a.wait_dead()
    wait_for(lambda: all(v.dropped.is_set() for v in on_a), "every client of A to see it die")
    wait_for(lambda: all(v.acks for v in b_first), "B to acknowledge its votes")
    assert all(v.acks[0]["ok"] and not v.acks[0]["repeated"] for v in b_first)
    assert not any(v.dropped.is_set() for v in on_b), "B's clients must not notice A's death"
    acknowledged = [v for v in on_a if v.acknowledged]  # on_a[0]'s crossing vote, then the burst's
    unacknowledged = [v for v in on_a if not v.acknowledged]
    assert KILL_AT <= len(acknowledged) - 1 < len(burst_a), "A must die between its first and its last ack"

    # --- the database as A left it: no acknowledged vote lost ----------------------------------
    crashed = read_box(live_app, ballot_id)
    assert {v.member_id for v in acknowledged + on_b[:1] + b_first} <= crashed.electors
    assert {v.acks[0]["receipt"] for v in acknowledged + on_b[:1] + b_first} <= crashed.receipts
    assert crashed.participations == crashed.votes == len(crashed.electors)
    stored_unacknowledged = [v for v in unacknowledged if v.member_id in crashed.electors]

    # --- A's clients move to B, rejoin, and resynchronise from the snapshot --------------------
    in_parallel(lambda v: v.connect(b.url), on_a)
    snapshots = in_parallel(Voter.join, on_a)
    assert {(s["version"], s["turnout"]["voted"]) for s in snapshots} == {(crashed.audit_seq, crashed.participations)}
    assert [s["me"]["voted"] for s in snapshots] == [v.member_id in crashed.electors for v in on_a]

    # --- resend what was never acknowledged, and a few acknowledged votes, with the same keys --
    resent = unacknowledged + acknowledged[:RESENT_ACKNOWLEDGED]
    retry = vote_all(resent)
    for voter in resent:
        ack = retry[voter.member_id]
        assert ack["ok"], ack
        assert ack["repeated"] is (voter.member_id in crashed.electors), voter
        assert ack["receipt"] == expected_receipt(ballot_id, voter.member_id, voter.key)
    for voter in acknowledged[:RESENT_ACKNOWLEDGED]:
        assert retry[voter.member_id]["receipt"] == voter.acks[0]["receipt"]
    assert read_box(live_app, ballot_id).participations == crashed.participations + len(unacknowledged) \
        - len(stored_unacknowledged)

    # --- B's other electors vote; five never do ------------------------------------------------
    for ack in vote_all(b_then).values():
        assert ack["ok"] and not ack["repeated"], ack
    voted = on_a + on_b[:1] + b_first + b_then

    # --- one vote per elector who voted; every client converges on the same final state -------
    final = read_box(live_app, ballot_id)
    assert final.participations == final.votes == len(voted)
    assert final.electors == {v.member_id for v in voted}
    assert final.receipts == {expected_receipt(ballot_id, v.member_id, v.key) for v in voted}
    assert final.audit_seq == 1 + len(voted)
    counts = Counter(v.choice for v in voted)
    expected_tally = {c: counts[c] for c in ("for", "against", "abstain", "blank")}

    def converged(voter: Voter) -> bool:
        with voter.lock:
            state = voter.latest
        return state["version"] == final.audit_seq

    wait_for(lambda: all(converged(v) for v in voters), "every client to hold the final state")
    for voter in voters:
        assert voter.latest["turnout"] == {"electorate": ON_A + ON_B, "voted": len(voted)}
        assert voter.latest["tally"]["voters"] == len(voted)
        assert voter.latest["tally"]["counts"] == expected_tally
    assert_audit_verifies(live_app, ballot_id, 1 + len(voted))

    kind = live_app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]
    updates = sorted(v.updates for v in voters)
    repeated = sum(ack["repeated"] for ack in retry.values())
    print(f"\n[two workers, {kind}] electors={ON_A + ON_B} (A {ON_A}, B {ON_B}) burst_sent_to_A={len(burst_a)} "
          f"acknowledged_by_A_before_kill={len(acknowledged) - 1} (+1 before the burst) "
          f"in_flight_on_A={len(unacknowledged)} stored_by_A_unacknowledged={len(stored_unacknowledged)} "
          f"resent_through_B={len(resent)} repeated={repeated} "
          f"stored_on_retry={len(unacknowledged) - len(stored_unacknowledged)} "
          f"votes_through_B={1 + len(b_first) + len(b_then)} stored_total={final.votes} "
          f"audit_entries={final.audit_seq} "
          f"ballot_updates_per_client=min {updates[0]} / median {updates[len(updates) // 2]} / max {updates[-1]}")
