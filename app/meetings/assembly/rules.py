"""The statutory rules of a SCOP's general assembly: model-statutes defaults and legal floors.

Pure: plain data in, plain data out. See docs/assembly.md for the table and its sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from app.governance.models import AssemblyKind, MajorityBase

ORDINARY, EXTRAORDINARY = AssemblyKind.ORDINARY.value, AssemblyKind.EXTRAORDINARY.value
CAST, PRESENT, ALL = (MajorityBase.VOTES_CAST.value, MajorityBase.PRESENT_OR_REPRESENTED.value,
                      MajorityBase.WHOLE_ELECTORATE.value)
# A larger base is harder to reach: on "present or represented" an abstention weighs as a no.
BASE_RANK = {CAST: 0, PRESENT: 1, ALL: 2}
CONVOCATION_DAYS = 15  # R223-20 Code de commerce (SARL)
ADD_RESOLUTION_DAYS = 5  # model statutes: associates holding 5 % add resolutions until 5 days before


@dataclass(frozen=True)
class Rule:
    quorum: Fraction | None
    majority: Fraction
    strict: bool
    base: str


H = Fraction(1, 2)
DEFAULTS = {
    # Model statutes of the CG Scop, SCOP SARL.
    "scop_sarl": {
        (ORDINARY, 1): Rule(None, H, True, ALL),
        (ORDINARY, 2): Rule(None, H, True, PRESENT),
        (EXTRAORDINARY, 1): Rule(Fraction(3, 4), Fraction(3, 4), False, PRESENT),
        (EXTRAORDINARY, 2): Rule(H, Fraction(3, 4), False, PRESENT),
    },
    # SCOP SA: the legal values (L225-96, L225-98; loi 2019-744 art. 16: votes cast).
    "scop_sa": {
        (ORDINARY, 1): Rule(Fraction(1, 5), H, True, CAST),
        (ORDINARY, 2): Rule(None, H, True, CAST),
        (EXTRAORDINARY, 1): Rule(Fraction(1, 4), Fraction(2, 3), False, CAST),
        (EXTRAORDINARY, 2): Rule(Fraction(1, 5), Fraction(2, 3), False, CAST),
    },
}
FLOORS = {
    "scop_sarl": {
        (ORDINARY, 1): Rule(None, H, True, ALL),  # L223-29 al. 1: more than half (one associate, one vote)
        (ORDINARY, 2): Rule(None, H, True, CAST),  # L223-29 al. 2: majority of the votes cast
        (EXTRAORDINARY, 1): Rule(Fraction(1, 4), Fraction(2, 3), False, PRESENT),  # L223-30 al. 3
        (EXTRAORDINARY, 2): Rule(Fraction(1, 5), Fraction(2, 3), False, PRESENT),  # L223-30 al. 3
    },
    "scop_sa": {
        (ORDINARY, 1): Rule(Fraction(1, 5), H, True, CAST),  # L225-98
        (ORDINARY, 2): Rule(None, H, True, CAST),  # L225-98
        (EXTRAORDINARY, 1): Rule(Fraction(1, 4), Fraction(2, 3), False, CAST),  # L225-96
        (EXTRAORDINARY, 2): Rule(Fraction(1, 5), Fraction(2, 3), False, CAST),  # L225-96
    },
}
ARTICLES = {
    ("scop_sarl", ORDINARY): "L223-29", ("scop_sarl", EXTRAORDINARY): "L223-30",
    ("scop_sa", ORDINARY): "L225-98", ("scop_sa", EXTRAORDINARY): "L225-96",
}


def _threshold_at_least(value: Fraction, strict: bool, floor: Fraction, floor_strict: bool) -> bool:
    return value > floor or (value == floor and (strict or not floor_strict))


def floor_breaches(legal_form: str, kind: str, convocation: int, rule: Rule) -> list[str]:
    """What in `rule` is below the legal floor, as field names: [] when the rule is lawful."""
    floor = FLOORS[legal_form][(kind, convocation)]
    breaches = []
    if floor.quorum is not None and (rule.quorum is None or rule.quorum < floor.quorum):
        breaches.append("quorum")
    if BASE_RANK[rule.base] < BASE_RANK[floor.base]:
        breaches.append("base")
    if not _threshold_at_least(rule.majority, rule.strict, floor.majority, floor.strict):
        breaches.append("majority")
    return breaches


def proxy_cap(associates: int) -> int:
    """loi 78-763 art. 14: one proxy per holder under 20 associates, at most 1/20 of them from 20 on."""
    return 1 if associates < 20 else associates // 20
