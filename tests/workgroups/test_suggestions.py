"""Suggested members (pure function): coverage of the mandate first, then a mix of statuses and
seniority; every suggestion says why (the seed's diverse, complementary project teams)."""

from __future__ import annotations

from datetime import date

from app.workgroups.suggestions import Candidate, seniority_band, suggest

TODAY = date(2026, 6, 1)


def person(id, name, status="es", since=date(2022, 1, 1), skills=(), themes=()):
    return Candidate(id=id, name=name, status=status, since=since, skills=frozenset(skills), themes=frozenset(themes))


def reasons(suggestion):
    return [(r.kind, r.value) for r in suggestion.reasons]


def test_candidates_covering_more_needed_skills_and_themes_come_first():
    a = person(1, "Ana", skills=["facilitation", "sociologie"], themes=["mobilité"])
    b = person(2, "Ben", skills=["facilitation"])
    c = person(3, "Cy", themes=["genre"])  # nothing the mandate needs
    ranked = suggest([c, b, a], skills={"facilitation", "sociologie"}, themes={"mobilité"}, today=TODAY)
    assert [s.candidate.id for s in ranked] == [1, 2]
    assert ("skill", "sociologie") in reasons(ranked[0]) and ("theme", "mobilité") in reasons(ranked[0])


def test_complementarity_beats_duplicating_what_is_already_covered():
    team = [person(9, "Zoé", skills=["facilitation"])]
    same = person(1, "Ana", skills=["facilitation"])
    other = person(2, "Ben", skills=["sociologie"])
    ranked = suggest([same, other], skills={"facilitation", "sociologie"}, themes=set(), today=TODAY, team=team)
    assert [s.candidate.id for s in ranked] == [2, 1]


def test_a_status_and_seniority_the_team_lacks_break_ties_and_are_given_as_reasons():
    team = [person(9, "Zoé", status="esa", since=date(2015, 1, 1))]
    veteran_esa = person(1, "Ana", status="esa", since=date(2016, 1, 1), skills=["facilitation"])
    newcomer_cape = person(2, "Ben", status="cape", since=date(2026, 3, 1), skills=["facilitation"])
    ranked = suggest([veteran_esa, newcomer_cape], skills={"facilitation"}, themes=set(), today=TODAY, team=team)
    assert ranked[0].candidate.id == 2
    assert ("status", "cape") in reasons(ranked[0]) and ("seniority", "newcomer") in reasons(ranked[0])


def test_diversity_alone_is_no_reason_to_suggest():
    ranked = suggest([person(1, "Ana", status="cape", since=date(2026, 5, 1))], skills={"x"}, themes=set(),
                     today=TODAY)
    assert ranked == []


def test_members_already_in_the_team_are_not_suggested_and_the_limit_holds():
    team = [person(1, "Ana", skills=["a"])]
    pool = [person(i, f"P{i}", skills=["a"]) for i in range(1, 8)]
    ranked = suggest(pool, skills={"a"}, themes=set(), today=TODAY, team=team, limit=3)
    assert len(ranked) == 3 and 1 not in [s.candidate.id for s in ranked]


def test_equal_candidates_keep_a_stable_order_by_name():
    pool = [person(2, "Bea", skills=["a"]), person(1, "Abe", skills=["a"])]
    first = suggest(pool, skills={"a"}, themes=set(), today=TODAY)
    assert first[0].candidate.name == "Abe"


def test_seniority_bands():
    assert seniority_band(date(2026, 1, 1), TODAY) == "newcomer"
    assert seniority_band(date(2023, 1, 1), TODAY) == "established"
    assert seniority_band(date(2020, 1, 1), TODAY) == "veteran"
