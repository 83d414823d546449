"""Suggested members for a workgroup: diverse, complementary teams (the seed's « équipes-projets
diversifiées »).

Pure: plain data in, plain data out; no database, no Flask. A greedy pick: each step takes
the candidate adding the most *still uncovered* skills and themes of the mandate, with a
bonus for a status or a seniority band the team does not have yet. Each suggestion says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Weights: covering something the mandate needs first; diversity breaks near-ties.
SKILL_WEIGHT = 3.0
THEME_WEIGHT = 2.0
ALREADY_COVERED_WEIGHT = 0.5  # a second person on a need still helps, a little
NEW_STATUS_BONUS = 1.0
NEW_SENIORITY_BONUS = 1.0


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    status: str  # cape, es, esa, external_associate
    since: date  # member of the cooperative since
    skills: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reason:
    kind: str  # skill, theme, status, seniority
    value: str


@dataclass
class Suggestion:
    candidate: Candidate
    score: float
    reasons: list[Reason] = field(default_factory=list)


def seniority_band(since: date, today: date) -> str:
    """newcomer (< 1 year), established (1–5 years), veteran (5 years or more)."""
    years = (today - since).days / 365.25
    if years < 1:
        return "newcomer"
    if years < 5:
        return "established"
    return "veteran"


def suggest(candidates: list[Candidate], *, skills: set[str], themes: set[str], today: date,
            team: list[Candidate] = (), limit: int = 10) -> list[Suggestion]:
    """Rank candidates for a team needing ``skills`` and ``themes``; ``team`` is who is already in."""
    covered_skills = {s for member in team for s in member.skills} & set(skills)
    covered_themes = {t for member in team for t in member.themes} & set(themes)
    statuses = {member.status for member in team}
    bands = {seniority_band(member.since, today) for member in team}
    in_team = {member.id for member in team}
    pool = sorted((c for c in candidates if c.id not in in_team), key=lambda c: (c.name, c.id))
    picked: list[Suggestion] = []
    while pool and len(picked) < limit:
        best: Suggestion | None = None
        for candidate in pool:
            suggestion = _score(candidate, skills, themes, covered_skills, covered_themes, statuses, bands, today)
            if best is None or suggestion.score > best.score:
                best = suggestion  # ties keep the earlier one: by name, then id, so the order is stable
        if best is None or best.score <= 0:
            break
        picked.append(best)
        pool.remove(best.candidate)
        covered_skills |= best.candidate.skills & set(skills)
        covered_themes |= best.candidate.themes & set(themes)
        statuses.add(best.candidate.status)
        bands.add(seniority_band(best.candidate.since, today))
    return picked


def _score(candidate: Candidate, skills, themes, covered_skills, covered_themes, statuses, bands,
           today: date) -> Suggestion:
    reasons: list[Reason] = []
    score = 0.0
    for skill in sorted(candidate.skills & set(skills)):
        score += SKILL_WEIGHT if skill not in covered_skills else ALREADY_COVERED_WEIGHT
        reasons.append(Reason("skill", skill))
    for theme in sorted(candidate.themes & set(themes)):
        score += THEME_WEIGHT if theme not in covered_themes else ALREADY_COVERED_WEIGHT
        reasons.append(Reason("theme", theme))
    # Diversity counts only for someone who brings something the mandate needs.
    if reasons:
        if candidate.status not in statuses:
            score += NEW_STATUS_BONUS
            reasons.append(Reason("status", candidate.status))
        band = seniority_band(candidate.since, today)
        if band not in bands:
            score += NEW_SENIORITY_BONUS
            reasons.append(Reason("seniority", band))
    return Suggestion(candidate, score, reasons)
