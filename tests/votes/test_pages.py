"""Ballot pages: list, creation, voting for every method, proxies, life cycle, results.

Each test commits its setup (a SAVEPOINT release in the test harness) so that a refused
request, which rolls back, undoes only its own changes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.members.models import MemberStatus
from app.votes import services
from app.votes.models import Ballot, Participation, Proxy, StoredVote
from tests.conftest import FreshRequestClient, sign_in
from tests.votes.conftest import new_key


def signed_in(app, member) -> FreshRequestClient:
    """A test client signed in as the member (its own cookies), asking for English, the
    source language of the messages compared here."""
    client = FreshRequestClient(app, app.response_class, use_cookies=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, member)
    return client


@pytest.fixture
def browser(app):
    """browser(member) -> a test client signed in as that member."""
    return lambda member: signed_in(app, member)


def html(response) -> str:
    # Unescaped, so that assertions read as the member reads (l'électorat, not l&#39;électorat).
    return unescape(response.get_data(as_text=True))


def form_key(page: str, elector_id: int) -> str:
    """The hidden idempotency key of one vote form of the page."""
    section = page.split(f'id="vote-v{elector_id}"', 1)[1]
    return re.search(r'name="key" value="([^"]+)"', section).group(1)


def votes_count(ballot) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredVote).where(StoredVote.ballot_id == ballot.id))


def commit():
    db.session.commit()


# --- list and creation --------------------------------------------------------------------------


def test_list_groups_ballots_by_state_and_hides_drafts_from_members(browser, admin, voters, open_ballot, seminar):
    open_ballot(title="Ouvert au vote")
    services.create_ballot(title="Brouillon en préparation", level=seminar)
    closed = open_ballot(title="Déjà clos")
    services.close_ballot(closed)
    commit()
    member_page = html(browser(voters[0]).get("/scrutins"))
    assert "Ouvert au vote" in member_page and "Déjà clos" in member_page
    assert "Brouillon en préparation" not in member_page and "/scrutins/nouveau" not in member_page
    admin_page = html(browser(admin).get("/scrutins"))
    assert "Brouillon en préparation" in admin_page and "/scrutins/nouveau" in admin_page


def test_manager_creates_a_ballot_with_a_local_window_stored_in_utc(browser, admin):
    commit()
    response = browser(admin).post("/scrutins/nouveau", data={
        "title": "Choisir le lieu du séminaire", "question": "Où ?", "subject_kind": "question",
        "level": "seminar", "method": "majority_judgment", "secrecy": "secret", "visibility": "live",
        "options": "Lyon\n\nGrenoble\n  Clermont  \n", "seats": "1",
        "opens_at": "2026-07-01T09:00", "closes_at": "2026-12-01T18:30", "context": "seminaire-2026-3",
        "majority": "two_thirds", "majority_base": "votes_cast",
    })
    assert response.status_code == 302, html(response)[:2000]
    ballot = db.session.scalar(select(Ballot).where(Ballot.title == "Choisir le lieu du séminaire"))
    assert response.headers["Location"].endswith(f"/scrutins/{ballot.id}")
    assert [o.label for o in ballot.options] == ["Lyon", "Grenoble", "Clermont"]
    assert (ballot.method, ballot.secrecy, ballot.visibility, ballot.state) == (
        "majority_judgment", "secret", "live", "draft")
    # Europe/Paris: UTC+2 in summer, UTC+1 in winter.
    assert ballot.opens_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert ballot.closes_at == datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    assert (ballot.majority_num, ballot.majority_den, ballot.majority_strict, ballot.majority_base) == (
        2, 3, False, "votes_cast")
    assert ballot.context == "seminaire-2026-3" and ballot.created_by_id == admin.id


def test_members_without_the_manage_rule_cannot_create(browser, voters):
    commit()
    client = browser(voters[0])
    assert client.get("/scrutins/nouveau").status_code == 403
    response = client.post("/scrutins/nouveau", data={"title": "x", "level": "seminar", "visibility": "live",
                                                     "subject_kind": "question", "seats": "1"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


@pytest.mark.parametrize("changes, field, message", [
    ({"title": ""}, "title", None),
    ({"method": "yes_no", "options": "A\nB"}, "options", "fixed choices"),
    ({"method": "schulze", "options": "Seule"}, "options", "At least two options"),
    ({"method": "approval", "options": "A\nA"}, "options", "same label"),
    ({"method": "approval", "options": "A\nB", "seats": "3"}, "seats", "number of options"),
    ({"secrecy": "secret", "changeable": "y"}, "changeable", "cannot be changed"),
    ({"opens_at": "2026-06-02T10:00", "closes_at": "2026-06-01T10:00"}, "closes_at", "close after it opens"),
    # 29 March 2026, 02:30 does not exist in Paris: the clocks jump from 02:00 to 03:00.
    ({"opens_at": "2026-03-29T02:30"}, "opens_at", "does not exist"),
    ({"context": "x" * 65}, "context", None),
    ({"method": "lottery"}, "method", None),
])
def test_bad_creation_input_is_shown_next_to_its_field_and_creates_nothing(browser, admin, changes, field, message):
    commit()
    data = {"title": "Un scrutin", "level": "seminar", "subject_kind": "question", "visibility": "after_close",
            "seats": "1", "method": "", "secrecy": "", "majority": "", "majority_base": ""} | changes
    response = browser(admin).post("/scrutins/nouveau", data=data)
    assert response.status_code == 422
    page = html(response)
    assert f'id="{field}-errors"' in page
    if message:
        assert message in page
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


# --- voting, per method ---------------------------------------------------------------------------


def test_yes_no_vote_shows_the_receipt_and_a_double_submit_counts_once(browser, voters, open_ballot):
    ballot = open_ballot(visibility="live")
    commit()
    client = browser(voters[0])
    page = html(client.get(f"/scrutins/{ballot.id}"))
    for label in ("For", "Against", "Abstention", "Blank"):
        assert f"> {label}</label>" in page
    key = form_key(page, voters[0].id)
    assert len(key) >= 32
    first = client.post(f"/scrutins/{ballot.id}/vote", data={"key": key, "choice": "for"})
    assert first.status_code == 302
    shown = html(client.get(first.headers["Location"]))
    receipt = re.search(r'<code class="receipt">([A-Z2-7-]+)</code>', shown).group(1)
    assert f"Your vote has been recorded. Receipt: {receipt}" in shown
    # The same form sent again (double tap, browser retry): the same receipt, nothing more counted.
    again = client.post(f"/scrutins/{ballot.id}/vote", data={"key": key, "choice": "for"})
    assert again.status_code == 302
    assert f"already been recorded (the form was sent twice); it counts once. Receipt: {receipt}" in html(
        client.get(again.headers["Location"]))
    assert votes_count(ballot) == 1
    assert services.stored_contents(ballot) == [{"choice": "for"}]


def test_a_second_form_on_a_ballot_without_changes_is_refused(browser, voters, open_ballot):
    ballot = open_ballot()
    commit()
    client = browser(voters[0])
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert client.post(f"/scrutins/{ballot.id}/vote",
                       data={"key": form_key(page, voters[0].id), "choice": "for"}).status_code == 302
    after = html(client.get(f"/scrutins/{ballot.id}"))
    assert 'class="vote-form"' not in after  # no form: this ballot does not allow changes
    response = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "choice": "against"})
    assert response.status_code == 409
    assert "does not allow changes" in html(response)
    assert services.stored_contents(ballot) == [{"choice": "for"}]


@pytest.mark.parametrize("data, status, message", [
    ({"choice": "maybe"}, 422, "Choose for, against, abstain or blank."),
    ({}, 422, "Choose one answer."),
    ({"choice": "for", "key": "short"}, 422, "Missing or malformed submission key."),
    ({"choice": "for", "on_behalf_of": "abc"}, 422, "Unknown member."),
])
def test_bad_yes_no_input_is_refused_and_changes_nothing(browser, voters, open_ballot, data, status, message):
    ballot = open_ballot()
    commit()
    client = browser(voters[0])
    response = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key()} | data)
    assert response.status_code == status
    assert message in html(response)
    assert services.turnout(ballot).voted == 0


def test_domain_consent_objection_needs_a_reason_on_the_page(browser, voters, open_ballot):
    ballot = open_ballot(method="consent")
    commit()
    client = browser(voters[0])
    refused = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "choice": "objection",
                                                                "reason": "   "})
    assert refused.status_code == 422
    assert "An objection needs its reason" in html(refused)
    assert f'id="v{voters[0].id}-reason-errors"' in html(refused)
    assert services.turnout(ballot).voted == 0
    accepted = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "choice": "objection",
                                                                 "reason": "Exclut les CAPE du vote"})
    assert accepted.status_code == 302
    assert services.stored_contents(ballot) == [{"choice": "objection", "reason": "Exclut les CAPE du vote"}]


def test_majority_judgment_grid_has_seven_grades_per_option(browser, voters, open_ballot):
    ballot = open_ballot(method="majority_judgment", options=["Lyon", "Grenoble"])
    lyon, grenoble = (o.id for o in ballot.options)
    commit()
    client = browser(voters[0])
    page = html(client.get(f"/scrutins/{ballot.id}"))
    for option_id in (lyon, grenoble):
        assert page.count(f'name="grade-{option_id}"') == 7
    assert "<legend>Lyon</legend>" in page and "<span>Excellent</span>" in page and "<span>Reject</span>" in page
    missing = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), f"grade-{lyon}": "1"})
    assert missing.status_code == 422 and "missing: Grenoble" in html(missing)
    invalid = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), f"grade-{lyon}": "9",
                                                                f"grade-{grenoble}": "1"})
    assert invalid.status_code == 422 and "from Excellent to Reject" in html(invalid)
    assert services.turnout(ballot).voted == 0
    ok = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), f"grade-{lyon}": "0",
                                                           f"grade-{grenoble}": "6"})
    assert ok.status_code == 302
    assert services.stored_contents(ballot) == [{"grades": {str(lyon): 0, str(grenoble): 6}}]


def test_ranked_choice_without_javascript_uses_rank_numbers_with_ties(browser, voters, open_ballot):
    ballot = open_ballot(method="schulze", options=["A", "B", "C", "D"])
    a, b, c, d = (o.id for o in ballot.options)
    commit()
    client = browser(voters[0])
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert page.count('<option value="">Not ranked</option>') == 4 and "data-ranking" in page
    for bad, message in (({f"rank-{a}": "x"}, "whole number"), ({f"rank-{a}": "9"}, "Ranks go from 1 to 4")):
        response = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key()} | bad)
        assert response.status_code == 422 and message in html(response)
    # B and C tied first, A third (gaps do not matter), D left unranked.
    response = client.post(f"/scrutins/{ballot.id}/vote", data={
        "key": new_key(), f"rank-{a}": "3", f"rank-{b}": "1", f"rank-{c}": "1", f"rank-{d}": ""})
    assert response.status_code == 302
    assert services.stored_contents(ballot) == [{"ranking": [sorted([b, c]), [a]]}]


def test_single_choice_refuses_more_names_than_seats(browser, voters, open_ballot):
    ballot = open_ballot(method="single_choice", options=["Ana", "Bo", "Cy"], seats=2)
    ana, bo, cy = (o.id for o in ballot.options)
    commit()
    client = browser(voters[0])
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert page.count('type="checkbox" name="chosen"') == 3 and 'data-max="2"' in page
    response = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "chosen": [ana, bo, cy]})
    assert response.status_code == 422 and "At most 2 choices." in html(response)
    assert services.turnout(ballot).voted == 0
    unknown = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "chosen": ["999999"]})
    assert unknown.status_code == 422
    assert client.post(f"/scrutins/{ballot.id}/vote",
                       data={"key": new_key(), "chosen": [ana, cy]}).status_code == 302
    assert services.stored_contents(ballot) == [{"chosen": sorted([ana, cy])}]


def test_approval_with_no_name_is_a_blank_vote(browser, voters, open_ballot):
    ballot = open_ballot(method="approval", options=["Ana", "Bo"])
    commit()
    assert browser(voters[0]).post(f"/scrutins/{ballot.id}/vote", data={"key": new_key()}).status_code == 302
    assert services.stored_contents(ballot) == [{"chosen": []}]


def test_named_changeable_vote_is_prefilled_and_can_be_changed(browser, voters, open_ballot):
    ballot = open_ballot(changeable=True)
    commit()
    client = browser(voters[0])
    page = html(client.get(f"/scrutins/{ballot.id}"))
    client.post(f"/scrutins/{ballot.id}/vote", data={"key": form_key(page, voters[0].id), "choice": "for"})
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert re.search(r'value="for"\s+checked', page) and "Change the vote" in page
    receipt = re.search(r'<code class="receipt">([A-Z2-7-]+)</code>', page).group(1)
    changed = client.post(f"/scrutins/{ballot.id}/vote", data={"key": form_key(page, voters[0].id),
                                                                "choice": "against"})
    assert f"The vote has been changed. Receipt: {receipt}" in html(client.get(changed.headers["Location"]))
    assert services.stored_contents(ballot) == [{"choice": "against"}]


def test_secret_ballot_page_keeps_the_receipt_only_in_the_voters_session(browser, voters, open_ballot):
    ballot = open_ballot(secrecy="secret")
    commit()
    client = browser(voters[0])
    client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "choice": "against"})
    page = html(client.get(f"/scrutins/{ballot.id}"))
    receipt = re.search(r'<code class="receipt">([A-Z2-7-]+)</code>', page).group(1)
    assert db.session.scalar(select(StoredVote.voter_id).where(StoredVote.receipt == receipt)) is None
    # Another browser of the same member (no kept receipt): voted, but nothing links them to a receipt.
    elsewhere = html(browser(voters[0]).get(f"/scrutins/{ballot.id}"))
    assert "Vote recorded." in elsewhere and receipt not in elsewhere and 'class="receipt"' not in elsewhere


def test_proxy_holder_gets_one_form_per_proxy_and_the_grantor_none(browser, assembly, make_member):
    holder, grantor, other = (make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(3))
    services.grant_proxy(context="ag-2026", level=assembly, day=date.today(), grantor=grantor, holder=holder)
    ballot = services.open_ballot(services.create_ballot(title="Comptes 2025", level=assembly, context="ag-2026"))
    commit()
    client = browser(holder)
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert f'id="vote-v{holder.id}"' in page and f'id="vote-v{grantor.id}"' in page
    assert f"Vote of {grantor.full_name} (you hold their proxy)" in page
    assert f'name="on_behalf_of" value="{grantor.id}"' in page
    client.post(f"/scrutins/{ballot.id}/vote", data={"key": form_key(page, holder.id), "choice": "for"})
    response = client.post(f"/scrutins/{ballot.id}/vote", data={
        "key": form_key(page, grantor.id), "choice": "against", "on_behalf_of": str(grantor.id)})
    assert f"The vote of {grantor.full_name} has been recorded." in html(client.get(response.headers["Location"]))
    grantor_page = html(browser(grantor).get(f"/scrutins/{ballot.id}"))
    assert f"You gave a proxy to {holder.full_name}" in grantor_page and 'class="vote-form"' not in grantor_page
    # Someone who holds no proxy from the grantor cannot use on_behalf_of.
    refused = browser(other).post(f"/scrutins/{ballot.id}/vote", data={
        "key": new_key(), "choice": "for", "on_behalf_of": str(grantor.id)})
    assert refused.status_code == 403
    assert {p.elector_id for p in db.session.scalars(select(Participation))} == {holder.id, grantor.id}


def test_domain_member_outside_the_electorate_is_told_why_and_cannot_vote(browser, assembly, make_member):
    make_member(MemberStatus.ESA, since=date(2020, 1, 1))
    employee = make_member(MemberStatus.ES, since=date(2020, 1, 1))
    ballot = services.open_ballot(services.create_ballot(title="AGO", level=assembly))
    commit()
    client = browser(employee)
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert "You are not in this ballot's electorate (General assembly" in page and 'class="vote-form"' not in page
    response = client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "choice": "for"})
    assert response.status_code == 403 and "not in this ballot's electorate" in html(response)
    assert services.turnout(ballot).voted == 0


def test_vote_after_the_window_is_a_conflict_with_the_date(browser, voters, seminar):
    ballot = services.open_ballot(services.create_ballot(title="Fenêtre", level=seminar))
    # A window that ended long ago, and a ballot not yet swept by `flask votes close-due`.
    ballot.opens_at, ballot.closes_at = datetime(1999, 12, 1, tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC)
    commit()
    response = browser(voters[0]).post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "choice": "for"})
    assert response.status_code == 409 and "Voting closed on" in html(response) and "2000" in html(response)
    assert services.turnout(ballot).voted == 0


# --- turnout and live tally ----------------------------------------------------------------------


def test_hidden_tally_shows_turnout_only_until_closing(browser, voters, open_ballot):
    ballot = open_ballot(visibility="after_close")
    for voter in voters[:2]:
        services.cast_vote(ballot, voter, {"choice": "for"}, new_key())
    commit()
    client = browser(voters[3])
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert "Turnout: 2 of 5 electors (40 %)" in page
    assert "The tally will be shown once the ballot closes." in page and 'class="sentence"' not in page
    fragment = html(client.get(f"/scrutins/{ballot.id}/decompte"))
    assert "Turnout: 2 of 5" in fragment and 'class="sentence"' not in fragment and "<svg" not in fragment
    assert "The result will be shown once the ballot closes." in html(client.get(f"/scrutins/{ballot.id}/resultat"))


def test_live_tally_is_shown_while_open(browser, voters, open_ballot):
    ballot = open_ballot(visibility="live")
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    commit()
    fragment = html(browser(voters[1]).get(f"/scrutins/{ballot.id}/decompte"))
    assert "Running tally" in fragment and 'class="sentence"' in fragment and "<svg" in fragment


# --- life cycle buttons ----------------------------------------------------------------------------


def test_manager_opens_closes_publishes_from_the_page(browser, admin, voters, seminar):
    ballot = services.create_ballot(title="Charte", level=seminar)
    commit()
    client = browser(admin)
    assert "Open the ballot" in html(client.get(f"/scrutins/{ballot.id}"))
    assert client.post(f"/scrutins/{ballot.id}/ouvrir").status_code == 302
    assert ballot.state == "open" and services.turnout(ballot).electorate == 6  # 5 ES and the admin (ESA)
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    commit()
    bad = client.post(f"/scrutins/{ballot.id}/clore", data={"present_or_represented": "99"})
    assert bad.status_code == 422 and "between the voters (1) and the electorate (6)" in html(bad)
    assert db.session.get(Ballot, ballot.id).state == "open"
    assert client.post(f"/scrutins/{ballot.id}/clore", data={"present_or_represented": ""}).status_code == 302
    assert ballot.state == "closed" and ballot.result_fingerprint
    again = client.post(f"/scrutins/{ballot.id}/clore", data={})
    assert again.status_code == 409 and "Cannot close: the ballot is closed." in html(again)
    assert client.post(f"/scrutins/{ballot.id}/publier").status_code == 302
    assert ballot.state == "published"


def test_cancel_needs_a_reason_and_only_managers_act(browser, admin, voters, open_ballot):
    ballot = open_ballot()
    commit()
    assert browser(voters[0]).post(f"/scrutins/{ballot.id}/annuler", data={"reason": "x"}).status_code == 403
    client = browser(admin)
    refused = client.post(f"/scrutins/{ballot.id}/annuler", data={"reason": "  "})
    assert refused.status_code == 422 and 'id="reason-errors"' in html(refused)
    assert db.session.get(Ballot, ballot.id).state == "open"
    assert client.post(f"/scrutins/{ballot.id}/annuler", data={"reason": "Question mal posée"}).status_code == 302
    page = html(client.get(f"/scrutins/{ballot.id}"))
    assert "Question mal posée" in page and "Cancelled" in page
    assert client.post(f"/scrutins/{ballot.id}/publier").status_code == 409


def test_unknown_ballot_is_a_404(browser, voters):
    commit()
    assert browser(voters[0]).get("/scrutins/999999").status_code == 404


# --- results pages ---------------------------------------------------------------------------------


def test_yes_no_result_page_states_sentence_rule_base_quorum_with_a_chart(browser, voters, open_ballot):
    ballot = open_ballot(majority_base="present_or_represented")
    for voter, choice in zip(voters, ["for", "for", "for", "against", "abstain"], strict=True):
        services.cast_vote(ballot, voter, {"choice": choice}, new_key())
    services.close_ballot(ballot)
    commit()
    page = html(browser(voters[0]).get(f"/scrutins/{ballot.id}/resultat"))
    assert "Adoptée à la majorité" in page and "abstentions, blancs, nuls et non-votants comptent comme" in page
    assert "members present or represented (an abstention weighs as a no)" in page
    assert '<svg class="chart bars"' in page
    assert '<desc id="bars-d">For: 3, Against: 1, Abstention: 1, Blank: 0' in page
    assert "<dt>Quorum</dt>" in page


def test_majority_judgment_result_draws_merit_profiles(browser, voters, open_ballot):
    ballot = open_ballot(method="majority_judgment", options=["Lyon", "Grenoble"])
    lyon, grenoble = (o.id for o in ballot.options)
    for voter, (gl, gg) in zip(voters, [(0, 3), (1, 3), (1, 4), (2, 1), (6, 2)], strict=True):
        services.cast_vote(ballot, voter, {"grades": {str(lyon): gl, str(grenoble): gg}}, new_key())
    services.close_ballot(ballot)
    commit()
    page = html(browser(voters[0]).get(f"/scrutins/{ballot.id}/resultat"))
    assert '<svg class="chart merit"' in page and page.count('<rect x="') == 8  # 4 distinct grades each
    assert 'class="median"' in page and "Lyon: Excellent 1, Very good 2, Good 1, Reject 1" in page


def test_schulze_result_shows_the_pairwise_matrix_and_strongest_paths(browser, voters, open_ballot):
    ballot = open_ballot(method="schulze", options=["A", "B", "C"])
    a, b, c = (o.id for o in ballot.options)
    for voter, ranking in zip(voters, [[[a], [b], [c]], [[a], [c], [b]], [[b], [a, c]], [[c], [a], [b]], [[a]]],
                              strict=True):
        services.cast_vote(ballot, voter, {"ranking": ranking}, new_key())
    services.close_ballot(ballot)
    commit()
    page = html(browser(voters[0]).get(f"/scrutins/{ballot.id}/resultat"))
    assert "Pairwise matrix" in page and "Strongest paths (Schulze)" in page
    matrix = page.split("Pairwise matrix", 1)[1].split("</table>", 1)[0]
    # Row A: 4 voters prefer A to B, 2 prefer A to C (as in the engine's test).
    assert re.search(r'<th scope="row">A</th>\s*<td class="diagonal">—</td>\s*<td class="wins">4</td>', matrix)


def test_find_my_receipt_after_publication(browser, voters, open_ballot):
    ballot = open_ballot(secrecy="secret")
    receipt = services.cast_vote(ballot, voters[0], {"choice": "against"}, new_key()).code
    services.cast_vote(ballot, voters[1], {"choice": "for"}, new_key())
    services.close_ballot(ballot)
    commit()
    client = browser(voters[0])
    assert "Find my receipt" not in html(client.get(f"/scrutins/{ballot.id}/resultat"))  # not yet published
    services.publish_ballot(ballot)
    commit()
    typed = receipt.replace("-", "").lower()
    found = html(client.get(f"/scrutins/{ballot.id}/resultat", query_string={"recu": typed}))
    assert f"Receipt {receipt} is in the ballot box, with this vote: Against" in found
    missing = html(client.get(f"/scrutins/{ballot.id}/resultat", query_string={"recu": "AAAAA-BBBBB-CCCCC"}))
    assert "No vote carries the receipt AAAAA-BBBBB-CCCCC" in missing


# --- proxies ---------------------------------------------------------------------------------------


def test_proxy_page_records_and_refuses_with_the_rule_quoted(browser, admin, make_member):
    associates = [make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(4)]
    employee = make_member(MemberStatus.ES, since=date(2020, 1, 1))
    commit()
    client = browser(admin)
    page = html(client.get("/scrutins/pouvoirs"))
    assert 'name="grantor_id"' in page and "Nobody named (blank proxy)" in page
    base = {"context": "ag-2026", "level": "general_assembly", "day": date.today().isoformat(), "document": "Scan"}
    ok = client.post("/scrutins/pouvoirs", data=base | {"grantor_id": associates[1].id, "holder_id": associates[0].id})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("contexte=ag-2026")
    listing = html(client.get("/scrutins/pouvoirs?contexte=ag-2026"))
    assert associates[1].full_name in listing and associates[0].full_name in listing
    over_cap = client.post("/scrutins/pouvoirs", data=base | {"grantor_id": associates[2].id,
                                                              "holder_id": associates[0].id})
    assert over_cap.status_code == 422 and "loi 78-763, art. 14" in html(over_cap)
    outsider = client.post("/scrutins/pouvoirs", data=base | {"grantor_id": associates[2].id,
                                                              "holder_id": employee.id})
    assert outsider.status_code == 422 and 'id="holder_id-errors"' in html(outsider)
    blank = client.post("/scrutins/pouvoirs", data=base | {"grantor_id": associates[3].id, "holder_id": ""})
    assert blank.status_code == 302
    no_grantor = client.post("/scrutins/pouvoirs", data=base | {"grantor_id": "", "holder_id": ""})
    assert no_grantor.status_code == 422
    rows = db.session.execute(select(Proxy.grantor_id, Proxy.holder_id).order_by(Proxy.id)).all()
    assert rows == [(associates[1].id, associates[0].id), (associates[3].id, None)]


def test_proxy_page_is_for_managers_only(browser, make_member):
    member = make_member(MemberStatus.ESA)
    commit()
    assert browser(member).get("/scrutins/pouvoirs").status_code == 403


def test_election_result_shows_bars_with_the_elected_highlighted(browser, voters, open_ballot):
    ballot = open_ballot(method="approval", options=["Ana", "Bo", "Cy"], seats=1, visibility="live")
    ana, bo, _cy = (o.id for o in ballot.options)
    for voter, chosen in zip(voters[:3], [[ana, bo], [ana], []], strict=True):
        services.cast_vote(ballot, voter, {"chosen": chosen}, new_key())
    commit()
    page = html(browser(voters[0]).get(f"/scrutins/{ballot.id}/decompte"))
    assert '<svg class="chart bars"' in page and page.count('class="bar highlight"') == 1
    assert "Ana: 2, Bo: 1, Cy: 0 (3)" in page and "Blank ballots: 1." in page
