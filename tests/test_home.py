"""The home page gathers what awaits the member: ballots to vote in, proposals, meetings."""

import secrets
from datetime import date

from app.governance import services as governance
from app.members.models import MemberStatus
from app.votes import services as votes
from tests.conftest import sign_in


def test_home_lists_the_open_ballots_the_member_has_not_voted_in(client, make_member):
    member = make_member(MemberStatus.ES, since=date(2024, 1, 1))
    seminar = governance.level_by_code("seminar")
    votes.open_ballot(votes.create_ballot(title="Charte des bureaux", level=seminar))
    voted = votes.open_ballot(votes.create_ballot(title="Trinômes de printemps", level=seminar))
    votes.cast_vote(voted, member, {"choice": "for"}, secrets.token_urlsafe(16))
    make_member(MemberStatus.ESA, since=date(2020, 1, 1))
    assembly_only = votes.open_ballot(votes.create_ballot(
        title="Comptes annuels", level=governance.level_by_code("general_assembly")))
    assert assembly_only is not None
    sign_in(client, member)
    page = client.get("/").get_data(as_text=True)
    assert "Charte des bureaux" in page
    assert "Trinômes de printemps" not in page  # already voted
    assert "Comptes annuels" not in page  # not in that electorate (associates only)
    assert "Prochaines réunions" in page


def test_home_needs_a_signed_in_member(client):
    response = client.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
