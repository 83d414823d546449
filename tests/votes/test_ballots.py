"""The votes engine with its database: ballots, electorate snapshots, receipts, secrecy, proxies."""

import json
from datetime import date, timedelta
from fractions import Fraction

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.members import services as members
from app.members.models import MemberStatus
from app.timeutil import utcnow
from app.votes import audit, services
from app.votes.models import AuditEntry, Participation, StoredVote
from app.votes.tally import tally
from tests.votes.conftest import new_key


def test_yes_no_ballot_from_opening_to_publication(open_ballot, voters):
    ballot = open_ballot()
    for voter, choice in zip(voters, ["for", "for", "for", "against", "abstain"], strict=True):
        services.cast_vote(ballot, voter, {"choice": choice}, new_key())
    result = services.close_ballot(ballot)
    assert result["counts"] == {"for": 3, "against": 1, "abstain": 1, "blank": 0}
    assert result["adopted"] is True
    assert result["sentence"].startswith("Adoptée")
    assert "3 pour" in result["sentence"] and "1 contre" in result["sentence"]
    services.publish_ballot(ballot)
    assert services.stored_result(ballot) == result
    assert services.verify_result(ballot)


def test_domain_qualified_majority_stores_threshold_and_base(open_ballot, voters):
    ballot = open_ballot(majority=Fraction(2, 3), majority_strict=False, majority_base="votes_cast")
    for voter, choice in zip(voters, ["for", "for", "against", "abstain", "blank"], strict=True):
        services.cast_vote(ballot, voter, {"choice": choice}, new_key())
    result = services.close_ballot(ballot)
    assert (result["threshold"], result["base"]) == ("2/3", "votes_cast")
    assert result["adopted"] is True  # 2 of 3 votes cast: exactly two thirds
    assert "deux tiers" in result["rule"] and "exprimées" in result["rule"]


def test_domain_present_or_represented_base_counts_abstention_as_no(open_ballot, voters):
    ballot = open_ballot(majority_base="present_or_represented")
    for voter, choice in zip(voters[:4], ["for", "for", "against", "abstain"], strict=True):
        services.cast_vote(ballot, voter, {"choice": choice}, new_key())
    result = services.close_ballot(ballot)
    assert result["counted_against"] == 2 and result["adopted"] is False


def test_electorate_is_snapshotted_when_the_ballot_opens(open_ballot, make_member, voters):
    ballot = open_ballot()
    newcomer = make_member(MemberStatus.CAPE, since=date(2024, 1, 1))  # arrives after opening
    with pytest.raises(Forbidden):
        services.cast_vote(ballot, newcomer, {"choice": "for"}, new_key())
    members.record_status(voters[0], MemberStatus.FORMER, date.today())
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())  # was an elector at opening
    assert services.turnout(ballot) == services.Turnout(electorate=5, voted=1)


def test_domain_only_associates_vote_at_the_ag(assembly, open_ballot, make_member, voters):
    associate = make_member(MemberStatus.ESA, since=date(2020, 1, 1))
    ballot = open_ballot(level=assembly)
    with pytest.raises(Forbidden) as error, force_locale("en"):
        services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    assert "electorate" in error.value.message
    services.cast_vote(ballot, associate, {"choice": "for"}, new_key())


def test_same_key_returns_the_same_receipt_and_counts_once(open_ballot, voters):
    ballot = open_ballot()
    key = new_key()
    first = services.cast_vote(ballot, voters[0], {"choice": "for"}, key)
    again = services.cast_vote(ballot, voters[0], {"choice": "for"}, key)
    assert again.code == first.code and again.repeated
    assert services.turnout(ballot).voted == 1
    assert db.session.scalar(select(db.func.count()).select_from(StoredVote)) == 1


def test_second_vote_with_another_key_is_refused_when_changes_are_not_allowed(open_ballot, voters):
    ballot = open_ballot()
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    with pytest.raises(Conflict):
        services.cast_vote(ballot, voters[0], {"choice": "against"}, new_key())
    assert services.stored_contents(ballot) == [{"choice": "for"}]


def test_named_changeable_vote_is_replaced_not_added(open_ballot, voters):
    ballot = open_ballot(changeable=True)
    first = services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    second = services.cast_vote(ballot, voters[0], {"choice": "against"}, new_key())
    assert second.replaced and second.code == first.code
    assert services.stored_contents(ballot) == [{"choice": "against"}]


def test_vote_outside_the_window_is_a_conflict_with_the_dates(seminar, voters):
    ballot = services.create_ballot(title="Fenêtre", level=seminar, closes_at=utcnow() + timedelta(hours=1))
    services.open_ballot(ballot)
    with pytest.raises(Conflict) as error, force_locale("en"):
        services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key(), now=utcnow() + timedelta(hours=2))
    assert "closed" in error.value.message.lower()
    draft = services.create_ballot(title="Brouillon", level=seminar)
    with pytest.raises(Conflict):
        services.cast_vote(draft, voters[0], {"choice": "for"}, new_key())


@pytest.mark.parametrize("choice", [{"choice": "maybe"}, {}, "for", {"choice": None}])
def test_invalid_yes_no_choice_is_a_field_error(open_ballot, voters, choice):
    ballot = open_ballot()
    with pytest.raises(InvalidInput):
        services.cast_vote(ballot, voters[0], choice, new_key())
    assert services.turnout(ballot).voted == 0


def test_malformed_submission_key_is_refused(open_ballot, voters):
    ballot = open_ballot()
    for key in ("", "short", "x" * 200, "spaces are not allowed!!"):
        with pytest.raises(InvalidInput):
            services.cast_vote(ballot, voters[0], {"choice": "for"}, key)


def test_closing_twice_is_refused(open_ballot, voters):
    ballot = open_ballot()
    services.close_ballot(ballot)
    with pytest.raises(Conflict):
        services.close_ballot(ballot)


def test_secret_ballot_keeps_no_link_between_voter_and_vote(open_ballot, voters):
    ballot = open_ballot(secrecy="secret")
    receipts = {}
    for voter, choice in zip(voters, ["for", "against", "for", "for", "blank"], strict=True):
        receipts[voter.id] = services.cast_vote(ballot, voter, {"choice": choice}, new_key()).code
    stored = db.session.scalars(select(StoredVote).where(StoredVote.ballot_id == ballot.id)).all()
    assert all(v.voter_id is None and v.proxy_for_id is None and v.updated_at is None for v in stored)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "vote_recorded")).all()
    assert all("content" not in json.loads(e.payload) and "receipt" not in json.loads(e.payload) for e in entries)
    ids_before = {v.id for v in stored}
    services.close_ballot(ballot)
    services.publish_ballot(ballot)
    box = services.ballot_box(ballot)
    # Rewritten at closing: new row ids, and the box is listed by receipt, not by arrival.
    assert ids_before.isdisjoint(v.id for v in db.session.scalars(select(StoredVote)))
    assert [row["receipt"] for row in box] == sorted(receipts.values())
    assert sorted(r["vote"]["choice"] for r in box) == ["against", "blank", "for", "for", "for"]


def test_secret_vote_cannot_be_changeable(seminar):
    with pytest.raises(InvalidInput):
        services.create_ballot(title="x", level=seminar, secrecy="secret", changeable=True)


def test_ballot_box_only_after_publication(open_ballot, voters):
    ballot = open_ballot()
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    with pytest.raises(Conflict):
        services.ballot_box(ballot)


def test_result_is_never_recomputed_differently(open_ballot, voters):
    ballot = open_ballot()
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    services.close_ballot(ballot)
    assert services.verify_result(ballot)
    db.session.execute(text("UPDATE ballot_votes SET content = :c"), {"c": '{"choice":"against"}'})
    assert not services.verify_result(ballot)


def test_audit_chain_verifies_and_reports_a_tampered_row(app, open_ballot, voters):
    ballot = open_ballot()
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    services.close_ballot(ballot)
    checked, problems = audit.verify()
    assert checked == 3 and problems == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 2))
    _without_append_only_guard(lambda: db.session.execute(
        text("UPDATE ballot_audit SET payload = :p WHERE id = :id"), {"p": '{"elector":999}', "id": entry.id}))
    db.session.expire_all()
    checked, problems = audit.verify()
    assert [(p.ballot_id, p.seq) for p in problems] == [(ballot.id, 2)]
    assert "altered" in problems[0].message



def test_a_vote_undone_with_its_savepoint_leaves_the_chain_whole(open_ballot, voters):
    # The vote writer moves the chain head without the session's knowledge (it writes the
    # head itself): once the savepoint is rolled back, the next vote must chain from the
    # head in the database, not from the one in memory.
    ballot = open_ballot()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
            raise RuntimeError("something after the vote failed")
    services.cast_vote(ballot, voters[1], {"choice": "against"}, new_key())
    db.session.flush()
    head = db.session.execute(text("SELECT audit_seq, audit_head FROM ballots WHERE id = :id"),
                              {"id": ballot.id}).one()
    assert (ballot.audit_seq, ballot.audit_head) == tuple(head)
    assert head.audit_seq == 2  # opened, then the second vote only
    checked, problems = audit.verify([ballot.id])
    assert (checked, problems) == (2, [])
    assert services.turnout(ballot).voted == 1

def _without_append_only_guard(change):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("ALTER TABLE ballot_audit DISABLE TRIGGER ballot_audit_append_only"))
    else:
        db.session.execute(text("DROP TRIGGER ballot_audit_no_update"))
    change()  # the whole test transaction, guard removal included, is rolled back afterwards


def test_audit_log_is_append_only_in_the_database(open_ballot):
    open_ballot()
    with pytest.raises(Exception, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE ballot_audit SET event = 'x'"))
    with pytest.raises(Exception, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text("DELETE FROM ballot_audit"))


def test_majority_judgment_ballot(open_ballot, voters):
    ballot = open_ballot(method="majority_judgment", options=["Lyon", "Grenoble", "Clermont"])
    a, b, c = (o.id for o in ballot.options)
    grades = [(0, 2, 4), (1, 2, 4), (1, 3, 5), (2, 1, 6), (0, 4, 3)]
    for voter, (ga, gb, gc) in zip(voters, grades, strict=True):
        services.cast_vote(ballot, voter, {"grades": {str(a): ga, str(b): gb, str(c): gc}}, new_key())
    result = services.close_ballot(ballot)
    assert result["ranking"][0] == ["Lyon"]
    lyon = result["options"][0]
    assert lyon["majority_grade_label"] == "Très bien" and lyon["merit_profile"][:3] == [2, 2, 1]


def test_majority_judgment_needs_every_option_graded(open_ballot, voters):
    ballot = open_ballot(method="majority_judgment", options=["A", "B"])
    a, _b = (o.id for o in ballot.options)
    for bad in ({"grades": {str(a): 1}}, {"grades": {str(a): 1, "999": 2}}, {"grades": {str(a): 9, str(_b): 1}}):
        with pytest.raises(InvalidInput):
            services.cast_vote(ballot, voters[0], bad, new_key())


def test_schulze_ballot_with_ties_and_matrix(open_ballot, voters):
    ballot = open_ballot(method="schulze", options=["A", "B", "C"])
    a, b, c = (o.id for o in ballot.options)
    for voter, ranking in zip(voters, [[[a], [b], [c]], [[a], [c], [b]], [[b], [a, c]], [[c], [a], [b]], [[a]]],
                              strict=True):
        services.cast_vote(ballot, voter, {"ranking": ranking}, new_key())
    result = services.close_ballot(ballot)
    assert result["winners"] == ["A"]
    assert result["pairwise"][0][1] == 4  # A over B: voters 1, 2, 4 and 5 (B unranked, last)
    with pytest.raises(InvalidInput):
        ballot2 = open_ballot(method="schulze", options=["X", "Y"])
        x = ballot2.options[0].id
        services.cast_vote(ballot2, voters[0], {"ranking": [[x], [x]]}, new_key())


def test_election_with_seats_reports_a_tie_at_the_last_seat(open_ballot, voters):
    ballot = open_ballot(method="approval", options=["Ana", "Bo", "Cy"], seats=2)
    ana, bo, cy = (o.id for o in ballot.options)
    for voter, chosen in zip(voters, [[ana, bo], [ana, cy], [ana], [bo], [cy]], strict=True):
        services.cast_vote(ballot, voter, {"chosen": chosen}, new_key())
    result = services.close_ballot(ballot)
    assert result["elected"] == ["Ana"] and sorted(result["tied"]) == ["Bo", "Cy"]


def test_domain_consent_objection_needs_a_reason_and_blocks(open_ballot, voters):
    ballot = open_ballot(method="consent", changeable=True)
    with pytest.raises(InvalidInput):
        services.cast_vote(ballot, voters[0], {"choice": "objection", "reason": "  "}, new_key())
    services.cast_vote(ballot, voters[0], {"choice": "objection", "reason": "Exclut les CAPE"}, new_key())
    services.cast_vote(ballot, voters[1], {"choice": "consent"}, new_key())
    assert services.current_result(ballot)["adopted"] is False
    services.cast_vote(ballot, voters[0], {"choice": "consent"}, new_key())  # objection withdrawn
    assert services.close_ballot(ballot)["adopted"] is True


def test_domain_proxy_cap_one_per_holder_under_20_associates(assembly, make_member):
    associates = [make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(19)]
    day = date(2026, 6, 1)
    services.grant_proxy(context="meeting:1", level=assembly, day=day, grantor=associates[1], holder=associates[0])
    with pytest.raises(InvalidInput) as error:
        services.grant_proxy(context="meeting:1", level=assembly, day=day, grantor=associates[2],
                             holder=associates[0])
    assert "art. 14" in error.value.message


def test_domain_proxy_cap_one_twentieth_from_20_associates(assembly, make_member):
    associates = [make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(40)]
    day = date(2026, 6, 1)
    holder = associates[0]
    for grantor in associates[1:3]:  # 40 associates: at most 2 proxies each
        services.grant_proxy(context="meeting:1", level=assembly, day=day, grantor=grantor, holder=holder)
    with pytest.raises(InvalidInput):
        services.grant_proxy(context="meeting:1", level=assembly, day=day, grantor=associates[3], holder=holder)


def test_domain_proxy_only_to_another_associate(assembly, make_member):
    associate = make_member(MemberStatus.ESA, since=date(2020, 1, 1))
    employee = make_member(MemberStatus.ES, since=date(2020, 1, 1))
    with pytest.raises(InvalidInput) as error:
        services.grant_proxy(context="meeting:1", level=assembly, day=date(2026, 6, 1), grantor=associate,
                             holder=employee)
    assert "art. 14" in error.value.message


def test_proxy_holder_casts_the_grantors_vote_separately(assembly, make_member):
    a, b, c = (make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(3))
    services.grant_proxy(context="meeting:7", level=assembly, day=date.today(), grantor=b, holder=a)
    ballot = services.open_ballot(services.create_ballot(title="Comptes 2026", level=assembly, context="meeting:7"))
    services.cast_vote(ballot, a, {"choice": "for"}, new_key())
    services.cast_vote(ballot, a, {"choice": "against"}, new_key(), on_behalf_of=b)
    with pytest.raises(Forbidden):
        services.cast_vote(ballot, b, {"choice": "for"}, new_key())  # b's vote belongs to the holder
    with pytest.raises(Forbidden):
        services.cast_vote(ballot, c, {"choice": "for"}, new_key(), on_behalf_of=a)  # no proxy from a to c
    assert sorted(c["choice"] for c in services.stored_contents(ballot)) == ["against", "for"]
    assert {p.elector_id for p in db.session.scalars(select(Participation))} == {a.id, b.id}


def test_cancel_needs_a_reason(open_ballot):
    ballot = open_ballot()
    with pytest.raises(InvalidInput):
        services.cancel_ballot(ballot, "")
    services.cancel_ballot(ballot, "Question mal posée")
    assert ballot.state == "cancelled"


def test_due_ballots_close_on_their_own(seminar, voters):
    ballot = services.open_ballot(services.create_ballot(title="Fin", level=seminar,
                                                         closes_at=utcnow() + timedelta(minutes=5)))
    assert services.close_due_ballots(utcnow()) == []
    assert services.close_due_ballots(utcnow() + timedelta(minutes=6)) == [ballot]
    assert ballot.state == "closed"


def test_live_result_counts_voters_from_the_votes_it_tallies(open_ballot, voters, monkeypatch):
    """A vote committed between two unlocked reads must not make more ballots than voters."""
    ballot = open_ballot()
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    real_turnout = services.turnout

    def turnout_read_before_a_new_vote(b):
        counted = real_turnout(b)
        services.cast_vote(ballot, voters[1], {"choice": "against"}, new_key())  # lands in between
        return counted

    monkeypatch.setattr(services, "turnout", turnout_read_before_a_new_vote)
    result = services.current_result(ballot)
    assert result["voters"] == sum(result["counts"].values())


@pytest.mark.parametrize("method", ["yes_no", "schulze", "majority_judgment", "approval", "consent"])
def test_the_running_tally_read_grouped_equals_the_tally_of_every_stored_vote(method, seminar, make_member):
    """The live tally reads each distinct vote once with its count: same result as vote by vote."""
    voters = [make_member(MemberStatus.ES, since=date(2024, 1, 1)) for _ in range(9)]
    options = {"schulze": ["A", "B", "C"], "majority_judgment": ["A", "B", "C"], "approval": ["A", "B", "C"]}
    extra = {"options": options[method]} if method in options else {}
    if method == "approval":
        extra["seats"] = 2
    ballot = services.open_ballot(services.create_ballot(title="Tally", level=seminar, method=method, **extra))
    ids = [o.id for o in ballot.options] or [0, 0, 0]  # unused by the methods without options
    choices = {
        "yes_no": [{"choice": c}
                   for c in ("for", "against", "for", "abstain", "for", "blank", "against", "for", "for")],
        "schulze": [{"ranking": r} for r in ([[ids[0]], [ids[1]], [ids[2]]], [[ids[2]], [ids[0], ids[1]]],
                                             [[ids[0]], [ids[1]], [ids[2]]], [[ids[1]], [ids[0]]]) * 2]
                   + [{"ranking": [[ids[2]], [ids[1]], [ids[0]]]}],
        "majority_judgment": [{"grades": {str(ids[0]): g % 7, str(ids[1]): (g * 3) % 7, str(ids[2]): 3}}
                              for g in (1, 2, 1, 6, 1, 5, 0, 2, 1)],
        "approval": [{"chosen": c} for c in ([ids[0]], [ids[0], ids[1]], [], [ids[2]], [ids[0]], [ids[0], ids[1]],
                                             [ids[1]], [ids[0]], [ids[2], ids[1]])],
        "consent": [{"choice": "consent"}] * 6
                   + [{"choice": "objection", "reason": r} for r in ("Trop tôt", "Coût", "Trop tôt")],
    }[method]
    for voter, choice in zip(voters, choices, strict=True):
        services.cast_vote(ballot, voter, choice, new_key())

    electorate = services.turnout(ballot).electorate
    assert services.current_result(ballot) == tally(ballot, services.stored_contents(ballot), electorate, 9)
