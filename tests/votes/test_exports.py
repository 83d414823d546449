"""Exports: results CSV, named votes CSV (never for secret ballots), the anonymous ballot box."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from app.members.models import MemberStatus
from app.votes import services
from app.votes.tally import tally
from tests.votes.conftest import new_key
from tests.votes.test_pages import commit, html, signed_in


@pytest.fixture
def browser(app):
    return lambda member: signed_in(app, member)


def rows_of(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "a BOM lets spreadsheets read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_yes_no_result_csv(browser, voters, open_ballot):
    ballot = open_ballot()
    for voter, choice in zip(voters, ["for", "for", "for", "against", "blank"], strict=True):
        services.cast_vote(ballot, voter, {"choice": choice}, new_key())
    commit()
    client = browser(voters[0])
    refused = client.get(f"/scrutins/{ballot.id}/resultat.csv")
    assert refused.status_code == 409 and "once the ballot is closed" in html(refused)
    services.close_ballot(ballot)
    commit()
    response = client.get(f"/scrutins/{ballot.id}/resultat.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="scrutin-{ballot.id}-resultat.csv"' in response.headers["Content-Disposition"]
    assert rows_of(response) == [["Choice", "Votes"], ["For", "3"], ["Against", "1"], ["Abstention", "0"],
                                 ["Blank", "1"]]


def test_option_methods_result_csv(browser, voters, open_ballot):
    mj = open_ballot(method="majority_judgment", options=["Lyon", "Grenoble"])
    schulze = open_ballot(method="schulze", options=["A", "B", "C"])
    approval = open_ballot(method="approval", options=["Ana", "Bo", "Cy"], seats=2)
    consent = open_ballot(method="consent")
    lyon, grenoble = (o.id for o in mj.options)
    a, b, c = (o.id for o in schulze.options)
    ana, bo, cy = (o.id for o in approval.options)
    for voter, grades, ranking, chosen in zip(
            voters[:3], [(0, 4), (1, 4), (2, 3)], [[[a], [b], [c]], [[b], [a], [c]], [[a], [c]]],
            [[ana, bo], [ana, cy], [ana]], strict=True):
        services.cast_vote(mj, voter, {"grades": {str(lyon): grades[0], str(grenoble): grades[1]}}, new_key())
        services.cast_vote(schulze, voter, {"ranking": ranking}, new_key())
        services.cast_vote(approval, voter, {"chosen": chosen}, new_key())
    services.cast_vote(consent, voters[0], {"choice": "objection", "reason": "=SUM(A1:A9) nuit au collectif"},
                       new_key())
    services.cast_vote(consent, voters[1], {"choice": "consent"}, new_key())
    for ballot in (mj, schulze, approval, consent):
        services.close_ballot(ballot)
    commit()
    client = browser(voters[0])
    assert rows_of(client.get(f"/scrutins/{mj.id}/resultat.csv")) == [
        ["Option", "Rank", "Majority grade", "Excellent", "Very good", "Good", "Fairly good", "Passable",
         "Insufficient", "Reject"],
        ["Lyon", "1", "Very good", "1", "1", "1", "0", "0", "0", "0"],
        ["Grenoble", "2", "Passable", "0", "0", "0", "1", "2", "0", "0"],
    ]
    assert rows_of(client.get(f"/scrutins/{schulze.id}/resultat.csv")) == [
        ["Option", "Rank", "Preferred to A", "Preferred to B", "Preferred to C"],
        ["A", "1", "", "2", "3"],
        ["B", "2", "1", "", "2"],
        ["C", "3", "0", "1", ""],
    ]
    assert rows_of(client.get(f"/scrutins/{approval.id}/resultat.csv")) == [
        ["Option", "Votes", "Elected"], ["Ana", "3", "yes"], ["Bo", "1", "tied"], ["Cy", "1", "tied"]]
    # A cell that a spreadsheet would run as a formula is quoted (CSV injection).
    assert rows_of(client.get(f"/scrutins/{consent.id}/resultat.csv")) == [
        ["Choice", "Votes", "Reason"], ["I consent", "1", ""], ["Objection", "1", "'=SUM(A1:A9) nuit au collectif"]]


def test_named_votes_csv_names_voters_and_proxies(browser, assembly, make_member):
    holder, grantor, third = (make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(3))
    services.grant_proxy(context="ag", level=assembly, day=date.today(), grantor=grantor, holder=holder)
    ballot = services.open_ballot(services.create_ballot(title="Comptes", level=assembly, context="ag",
                                                         secrecy="named"))
    services.cast_vote(ballot, holder, {"choice": "for"}, new_key())
    services.cast_vote(ballot, holder, {"choice": "against"}, new_key(), on_behalf_of=grantor)
    commit()
    client = browser(third)
    assert client.get(f"/scrutins/{ballot.id}/votes-nominatifs.csv").status_code == 409  # still open
    services.close_ballot(ballot)
    commit()
    rows = rows_of(client.get(f"/scrutins/{ballot.id}/votes-nominatifs.csv"))
    assert rows[0] == ["Receipt", "Voter", "On behalf of", "Vote", "Vote (JSON)"]
    assert sorted(row[1:] for row in rows[1:]) == sorted([
        [holder.full_name, "", "For", '{"choice":"for"}'],
        [holder.full_name, grantor.full_name, "Against", '{"choice":"against"}'],
    ])
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])


def test_no_named_export_for_a_secret_ballot(browser, voters, open_ballot):
    ballot = open_ballot(secrecy="secret")
    services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
    services.close_ballot(ballot)
    commit()
    client = browser(voters[0])
    response = client.get(f"/scrutins/{ballot.id}/votes-nominatifs.csv")
    assert response.status_code == 403 and "who voted what is not kept" in html(response)
    assert "votes-nominatifs" not in html(client.get(f"/scrutins/{ballot.id}/resultat"))


def test_ballot_box_downloads_after_publication_and_re_tally_to_the_stored_result(browser, voters, open_ballot):
    ballot = open_ballot(method="schulze", options=["A", "B", "C"], secrecy="secret")
    a, b, c = (o.id for o in ballot.options)
    receipts = [services.cast_vote(ballot, voter, {"ranking": ranking}, new_key()).code
                for voter, ranking in zip(voters, [[[a], [b]], [[b], [a, c]], [[c]], [[a]], []], strict=True)]
    services.close_ballot(ballot)
    commit()
    client = browser(voters[0])
    for suffix in ("json", "csv"):
        refused = client.get(f"/scrutins/{ballot.id}/urne.{suffix}")
        assert refused.status_code == 409 and "once the result is published" in html(refused)
    services.publish_ballot(ballot)
    commit()
    document = client.get(f"/scrutins/{ballot.id}/urne.json").get_json()
    assert [row["receipt"] for row in document["votes"]] == sorted(receipts)
    assert document["options"] == [{"id": o.id, "position": o.position, "label": o.label} for o in ballot.options]
    assert document["result_fingerprint"] == ballot.result_fingerprint and document["method"] == "schulze"
    assert all(set(row) == {"receipt", "vote"} for row in document["votes"])  # nothing names a voter
    # Anyone can re-tally the downloaded box and find the published result.
    again = tally(ballot, [row["vote"] for row in document["votes"]], len(voters), len(voters))
    assert again == services.stored_result(ballot)
    rows = rows_of(client.get(f"/scrutins/{ballot.id}/urne.csv"))
    assert rows[0] == ["receipt", "vote"]
    assert [(r, json.loads(v)) for r, v in rows[1:]] == [(row["receipt"], row["vote"]) for row in document["votes"]]
