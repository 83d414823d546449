"""Preparing, convening and holding an assembly: electorate, convocation, proxies, quorum, votes."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from app.errors import Conflict, Forbidden, InvalidInput
from app.meetings.assembly import services as ga
from app.members import services as members
from app.members.models import MemberStatus
from app.votes import services as votes

from .conftest import CONVENED_AT, IN_SESSION, MEETING_AT, check_in, vote


def test_resolutions_numbered_typed_and_checked(gerant, associates, make_assembly):
    assembly = make_assembly(scope="both", convene=False, resolutions=(
        ("Comptes", "ordinary", True), ("Statuts", "extraordinary", True), ("Motion", "ordinary", False)))
    assert [(r.number, r.kind, r.proposer, r.gerance_supports) for r in assembly.resolutions] == [
        (1, "ordinary", "gerance", True), (2, "extraordinary", "gerance", True), (3, "ordinary", "associates", False)]
    ordinary = make_assembly(convene=False)
    with pytest.raises(InvalidInput) as error:
        ga.add_resolution(ordinary, gerant, title="Statuts", text="…", kind="extraordinary")
    assert "kind" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        ga.add_resolution(ordinary, gerant, title="", text="", kind="ordinary", proposer="nobody")
    assert set(error.value.fields) == {"title", "text", "proposer"}
    assert len(ordinary.resolutions) == 1


def test_domain_loi_78_763_art_14_electorate_is_associates_on_convocation_date(gerant, associates, make_assembly,
                                                                                 make_member):
    newcomer = make_member(MemberStatus.ES, since=date(2024, 1, 1), name="Nouvelle Associée")
    es = make_member(MemberStatus.ES, since=date(2024, 1, 1), name="Entrepreneur Salarié")
    assembly = make_assembly()
    # Admitted as an associate after the convocation date (1 June), before the meeting.
    members.record_status(newcomer, MemberStatus.ESA, date(2026, 6, 5), recorded_by=gerant)
    voters = {m.id for m in ga.electorate(assembly, now=IN_SESSION)}
    assert voters == {m.id for m in associates}
    assert newcomer.id not in voters and es.id not in voters
    with pytest.raises(InvalidInput):
        ga.grant_proxy(assembly, gerant, grantor=newcomer, holder=associates[1], now=IN_SESSION)
    check_in(assembly, gerant, associates + [newcomer])
    resolution = assembly.resolutions[0]
    ga.open_resolution(resolution, gerant, now=IN_SESSION)
    with pytest.raises(Forbidden):
        vote(resolution, [newcomer], "for")


def test_domain_r223_20_convocation_refused_under_15_days_with_earliest_date(gerant, associates, make_assembly):
    assembly = make_assembly(convene=False, starts_at=datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
    with pytest.raises(Conflict) as error:
        ga.convene(assembly, gerant, now=CONVENED_AT)  # 14 days before
    assert "R223-20" in error.value.message and "June 16, 2026" in error.value.message
    assert assembly.convocation_date is None and assembly.meeting.convened_at is None
    assert ga.convene(assembly, gerant, now=CONVENED_AT - timedelta(days=1))
    assert assembly.convocation_date == date(2026, 5, 31)


def test_domain_r223_20_email_only_to_associates_who_consented(gerant, associates, make_assembly, mails):
    ga.record_consent(associates[1], gerant, given_on=date(2025, 1, 10), document="Formulaire signé")
    ga.record_consent(associates[2], gerant, given_on=date(2026, 6, 2))  # after the convocation: by letter
    ga.record_consent(associates[3], gerant, given_on=date(2025, 1, 10))
    ga.withdraw_consent(associates[3], gerant, on=date(2026, 1, 1))
    assembly = make_assembly(convene=False)
    outcome = ga.convene(assembly, gerant, now=CONVENED_AT)
    assert [m.id for m in outcome.emailed] == [associates[1].id]
    assert {m.id for m in outcome.by_letter} == {m.id for m in associates} - {associates[1].id}
    (to, subject, body), = mails
    assert to == associates[1].email and "Assemblée générale 2026" in subject
    assert "Resolution 1 (ordinary): Approbation des comptes 2025" in body
    assert "L'assemblée décide : Approbation des comptes 2025." in body
    from io import BytesIO

    from pypdf import PdfReader

    from app.meetings.assembly import minutes

    letters = PdfReader(BytesIO(minutes.convocation_letters_pdf(assembly)))
    assert len(letters.pages) == len(outcome.by_letter)
    first = letters.pages[0].extract_text()
    assert "Approbation des comptes 2025" in first and "proxy" in first


def test_domain_loi_78_763_art_14_proxy_cap_one_under_20_associates(gerant, associates, make_assembly, make_member):
    assembly = make_assembly()
    ga.grant_proxy(assembly, gerant, grantor=associates[2], holder=associates[1])
    with pytest.raises(InvalidInput) as error:
        ga.grant_proxy(assembly, gerant, grantor=associates[3], holder=associates[1])
    assert "78-763" in error.value.message and "cap is 1" in error.value.message
    outsider = make_member(MemberStatus.ES, name="Pas Associé")
    with pytest.raises(InvalidInput) as error:
        ga.grant_proxy(assembly, gerant, grantor=associates[4], holder=outsider)
    assert "78-763" in error.value.message
    assert len(votes.proxies_held(assembly.meeting.context, associates[1])) == 1


def test_domain_loi_78_763_art_14_proxy_cap_one_twentieth_from_20_associates(gerant, associates, make_assembly,
                                                                             make_member):
    more = [make_member(MemberStatus.ESA, since=date(2024, 1, 1)) for _ in range(30)]  # 40 associates
    assembly = make_assembly()
    holder = associates[1]
    ga.grant_proxy(assembly, gerant, grantor=more[0], holder=holder)
    ga.grant_proxy(assembly, gerant, grantor=more[1], holder=holder)
    with pytest.raises(InvalidInput) as error:
        ga.grant_proxy(assembly, gerant, grantor=more[2], holder=holder)
    assert "cap is 2" in error.value.message


def test_domain_ago_first_convocation_more_than_half_of_all_associates(gerant, associates, make_assembly):
    assembly = make_assembly()
    check_in(assembly, gerant, associates[:6])
    quorum = ga.quorum(assembly, "ordinary")
    assert quorum.reached and quorum.required is None and quorum.present == 6
    resolution = assembly.resolutions[0]
    ga.open_resolution(resolution, gerant, now=IN_SESSION)
    vote(resolution, associates[:5], "for")  # 5 of 10 associates: not more than half of all
    vote(resolution, associates[5:6], "abstain")
    result = ga.close_resolution(resolution, gerant, now=IN_SESSION)
    assert result["adopted"] is False and result["base"] == "whole_electorate" and result["required_for"] == 6


def test_domain_ago_second_convocation_majority_of_present_or_represented(gerant, associates, make_assembly):
    first = make_assembly()
    check_in(first, gerant, associates[:6])
    with pytest.raises(Conflict):  # nothing was left undecided yet
        ga.second_convocation(first, gerant, starts_at=MEETING_AT + timedelta(days=30),
                              ends_at=MEETING_AT + timedelta(days=30, hours=2))
    ga.open_resolution(first.resolutions[0], gerant, now=IN_SESSION)
    vote(first.resolutions[0], associates[:5], "for")  # not more than half of the ten associates
    assert ga.close_resolution(first.resolutions[0], gerant, now=IN_SESSION)["adopted"] is False
    second = ga.second_convocation(first, gerant, starts_at=MEETING_AT + timedelta(days=30),
                                   ends_at=MEETING_AT + timedelta(days=30, hours=2), now=CONVENED_AT)
    assert second.convocation == 2 and second.first_meeting_id == first.meeting_id
    assert [r.title for r in second.resolutions] == ["Approbation des comptes 2025"]
    ga.convene(second, gerant, now=CONVENED_AT + timedelta(days=10))
    later = IN_SESSION + timedelta(days=30)
    from app.meetings import services
    for member in associates[:4]:
        services.mark_present(second.meeting, gerant, member, now=later)
    resolution = second.resolutions[0]
    ga.open_resolution(resolution, gerant, now=later)
    for member in associates[:3]:
        votes.cast_vote(resolution.ballot, member, {"choice": "for"}, f"second-{member.id}-xxxxxxxxxx", now=later)
    result = ga.close_resolution(resolution, gerant, now=later)
    assert result["adopted"] is True and result["base"] == "present_or_represented"
    assert result["present_or_represented"] == 4


def test_domain_age_first_convocation_three_quarters_quorum_refused_then_second_convocation(
        gerant, associates, make_assembly):
    assembly = make_assembly(scope="extraordinary", resolutions=(("Modification des statuts", "extraordinary", True),))
    check_in(assembly, gerant, associates[:5])
    ga.grant_proxy(assembly, gerant, grantor=associates[7], holder=associates[1])
    quorum = ga.quorum(assembly, "extraordinary")
    assert (quorum.present, quorum.represented, quorum.required, quorum.reached) == (5, 1, 8, False)
    resolution = assembly.resolutions[0]
    with pytest.raises(Conflict) as error:
        ga.open_resolution(resolution, gerant, now=IN_SESSION)
    assert "Quorum not reached" in error.value.message and resolution.ballot_id is None
    second = ga.second_convocation(assembly, gerant, starts_at=MEETING_AT + timedelta(days=20),
                                   ends_at=MEETING_AT + timedelta(days=20, hours=2))
    assert ga.rule_of(ga.profile(), "extraordinary", second.convocation).quorum == Fraction(1, 2)


def test_domain_age_with_quorum_abstention_counts_as_no_on_present_or_represented(gerant, associates, make_assembly):
    assembly = make_assembly(scope="extraordinary", resolutions=(("Statuts A", "extraordinary", True),
                                                                 ("Statuts B", "extraordinary", True)))
    check_in(assembly, gerant, associates[:8])
    assert ga.quorum(assembly, "extraordinary").reached
    first, second = assembly.resolutions
    ga.open_resolution(first, gerant, now=IN_SESSION)
    vote(first, associates[:6], "for")
    vote(first, associates[6:8], "abstain")
    assert ga.close_resolution(first, gerant, now=IN_SESSION)["adopted"] is True  # 6 of 8 = 3/4
    ga.open_resolution(second, gerant, now=IN_SESSION)
    vote(second, associates[:5], "for")
    vote(second, associates[5:8], "abstain")  # no "against" at all, yet rejected
    result = ga.close_resolution(second, gerant, now=IN_SESSION)
    assert result["adopted"] is False and result["counted_against"] == 3 and result["counts"]["against"] == 0


def test_domain_loi_2019_744_art_16_sa_abstentions_not_counted(gerant, associates, make_assembly):
    ga.update_profile(gerant, name="Facettes SA", legal_form="scop_sa")
    assembly = make_assembly(scope="extraordinary", resolutions=(("Statuts", "extraordinary", True),))
    check_in(assembly, gerant, associates[:8])
    resolution = assembly.resolutions[0]
    ga.open_resolution(resolution, gerant, now=IN_SESSION)
    vote(resolution, associates[:2], "for")
    vote(resolution, associates[2:3], "against")
    vote(resolution, associates[3:8], "abstain")
    result = ga.close_resolution(resolution, gerant, now=IN_SESSION)
    assert result["adopted"] is True and result["base"] == "votes_cast" and result["base_count"] == 3


def test_domain_model_statutes_blank_proxy_for_gerance_resolutions_against_others(gerant, associates, make_assembly):
    assembly = make_assembly(resolutions=(("Comptes", "ordinary", True), ("Motion des associés", "ordinary", False)))
    check_in(assembly, gerant, associates[:5])
    ga.grant_proxy(assembly, gerant, grantor=associates[8], holder=None, document="Pouvoir reçu sans nom")
    assert ga.quorum(assembly, "ordinary").represented == 1
    supported, other = assembly.resolutions
    for resolution in (supported, other):
        ga.open_resolution(resolution, gerant, now=IN_SESSION)
        vote(resolution, associates[:5], "abstain")
    assert ga.close_resolution(supported, gerant, now=IN_SESSION)["counts"] == {
        "for": 1, "against": 0, "abstain": 5, "blank": 0}
    assert ga.close_resolution(other, gerant, now=IN_SESSION)["counts"] == {
        "for": 0, "against": 1, "abstain": 5, "blank": 0}


def test_named_proxy_counts_only_with_its_holder_present_and_votes_separately(gerant, associates, make_assembly):
    assembly = make_assembly()
    ga.grant_proxy(assembly, gerant, grantor=associates[9], holder=associates[1])
    assert ga.quorum(assembly, "ordinary").represented == 0  # holder not there yet
    check_in(assembly, gerant, associates[1:2], mode="remote")
    quorum = ga.quorum(assembly, "ordinary")
    assert (quorum.remote, quorum.represented) == (1, 1)
    resolution = assembly.resolutions[0]
    ga.open_resolution(resolution, gerant, now=IN_SESSION)
    vote(resolution, [associates[9]], "against", holder=associates[1])
    vote(resolution, [associates[1]], "for")
    assert ga.close_resolution(resolution, gerant, now=IN_SESSION)["counts"]["against"] == 1


def test_bureau_incidents_and_closing(gerant, associates, make_assembly, make_member):
    assembly = make_assembly()
    with pytest.raises(InvalidInput) as error:
        ga.set_bureau(assembly, gerant, chair_id=None, chair_capacity="", scrutineer_ids=[1, 2, 3])
    assert set(error.value.fields) >= {"chair", "chair_capacity", "scrutineers"}
    ga.set_bureau(assembly, gerant, chair_id=gerant.id, chair_capacity="Co-gérant", secretary_id=associates[1].id,
                  scrutineer_ids=[associates[2].id, associates[3].id])
    assert (assembly.chair, assembly.scrutineer2) == (gerant, associates[3])
    ga.record_incident(assembly, gerant, "Connexion de l'Associé 4 perdue 5 minutes", now=IN_SESSION)
    with pytest.raises(InvalidInput):
        ga.record_incident(assembly, gerant, "  ")
    assert len(assembly.incidents) == 1
    with pytest.raises(Forbidden):
        ga.record_incident(assembly, associates[4], "Rien")
    check_in(assembly, gerant, associates)
    ga.open_resolution(assembly.resolutions[0], gerant, now=IN_SESSION)
    with pytest.raises(Conflict):
        ga.close_assembly(assembly, gerant, now=IN_SESSION)
    ga.close_resolution(assembly.resolutions[0], gerant, now=IN_SESSION)
    ga.close_assembly(assembly, gerant, now=IN_SESSION)
    with pytest.raises(Conflict):
        ga.open_resolution(assembly.resolutions[0], gerant, now=IN_SESSION)


def test_domain_loi_47_1775_art_10_remote_counts_as_present_only_if_statutes_allow(gerant, associates,
                                                                                    make_assembly):
    assembly = make_assembly(scope="extraordinary", resolutions=(("Statuts", "extraordinary", True),))
    check_in(assembly, gerant, associates[:6])
    check_in(assembly, gerant, associates[6:8], mode="remote")
    assert ga.quorum(assembly, "extraordinary").present_or_represented == 8  # 3/4 of 10 reached
    ga.update_profile(gerant, name="Facettes", legal_form="scop_sarl", remote_counts_as_present=False)
    quorum = ga.quorum(assembly, "extraordinary")
    assert (quorum.remote, quorum.present_or_represented, quorum.reached) == (0, 6, False)


def test_domain_model_statutes_associates_add_resolutions_until_five_days_before(gerant, associates, make_assembly):
    assembly = make_assembly()
    with pytest.raises(Conflict):  # the gérance's agenda is closed by the convocation
        ga.add_resolution(assembly, gerant, title="Ajout", text="Texte", kind="ordinary", proposer="gerance",
                          now=CONVENED_AT + timedelta(days=2))
    added = ga.add_resolution(assembly, gerant, title="Motion", text="Texte", kind="ordinary",
                              proposer="associates", now=MEETING_AT - timedelta(days=5))
    assert (added.number, added.gerance_supports) == (2, False)
    with pytest.raises(Conflict) as error:
        ga.add_resolution(assembly, gerant, title="Trop tard", text="Texte", kind="ordinary",
                          proposer="associates", now=MEETING_AT - timedelta(days=4))
    assert "5 days" in error.value.message and len(assembly.resolutions) == 2


def test_general_assembly_is_not_planned_as_a_plain_meeting(gerant):
    from app.meetings import services

    with pytest.raises(InvalidInput) as error:
        services.create_meeting(kind="general_assembly", title="AG", starts_at=MEETING_AT,
                                ends_at=MEETING_AT + timedelta(hours=2), facilitator_ids=[gerant.id],
                                created_by=gerant)
    assert error.value.fields["kind"] == ["General assemblies have their own page."]
