"""Yes / no / abstention under a majority rule: a threshold *and* a base, always both.

Everything is exact: thresholds are Fractions, required votes are integers.
See docs/tally-methods.md for the rules and worked examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction

from app.votes.methods.common import TallyInputError, check_count, check_fraction, plural

HALF = Fraction(1, 2)


class Base(Enum):
    """What the threshold is a fraction of."""

    VOTES_CAST = "votes_cast"
    """For + against only: abstentions, blank and void ballots are not counted."""
    PRESENT_OR_REPRESENTED = "present_or_represented"
    """Everyone present or represented: anything but "for" weighs as "against"."""
    WHOLE_ELECTORATE = "whole_electorate"
    """Every voter on the roll, present or not."""


class Outcome(Enum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    TIE = "tie"
    """Simple majority (more than 1/2) missed by an even split: for == what counts against.
    Legally a rejection (no casting vote), reported apart so the minutes can say so."""
    NO_QUORUM = "no_quorum"
    """The assembly could not decide: too few present or represented."""


@dataclass(frozen=True)
class MajorityRule:
    """Adopted when "for" is more than (strict) or at least (not strict) threshold × base."""

    threshold: Fraction
    base: Base
    strict: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", check_fraction("seuil de majorité", self.threshold))
        if not isinstance(self.base, Base):
            raise TallyInputError(f"Base de majorité inconnue : {self.base!r}.")
        if not isinstance(self.strict, bool):
            raise TallyInputError(f"« strict » doit valoir True ou False, pas {self.strict!r}.")
        if self.strict and self.threshold == 1:
            raise TallyInputError(
                "« Plus de la totalité » des voix est impossible : prenez l'unanimité (seuil 1, non strict)."
            )

    def describe(self) -> str:
        """The rule in French, e.g. « la majorité des deux tiers des voix exprimées »."""
        return f"{_threshold_words(self.threshold, self.strict)} {_BASE_WORDS[self.base]}"


@dataclass(frozen=True)
class YesNoResult:
    outcome: Outcome
    quorum_reached: bool
    quorum: Fraction | None
    quorum_required: int | None
    """Least number of present or represented voters meeting the quorum (None: no quorum)."""
    rule: MajorityRule
    base_count: int
    """Size of the base: votes cast, present or represented, or the whole electorate."""
    required_for: int
    """Least number of "for" votes that adopts, on this base (always at least 1)."""
    counted_against: int
    """Everything in the base that is not "for": on the present-or-represented base this
    includes abstentions, blank, void and non-voters."""
    votes_for: int
    against: int
    abstain: int
    blank: int
    void: int
    not_voting: int
    """Present or represented but without any ballot."""
    electorate: int
    present_or_represented: int
    sentence: str

    @property
    def adopted(self) -> bool:
        return self.outcome is Outcome.ADOPTED


def tally_yes_no(
    *,
    votes_for: int,
    against: int,
    abstain: int = 0,
    blank: int = 0,
    void: int = 0,
    electorate: int,
    present_or_represented: int,
    rule: MajorityRule,
    quorum: Fraction | None = None,
) -> YesNoResult:
    """Tally one resolution. `quorum` is the fraction of the electorate that must be present
    or represented (met when present_or_represented >= quorum × electorate), or None."""
    counts = {
        "pour": votes_for, "contre": against, "abstentions": abstain,
        "bulletins blancs": blank, "bulletins nuls": void,
        "inscrits": electorate, "présents ou représentés": present_or_represented,
    }
    for name, value in counts.items():
        check_count(name, value)
    if not isinstance(rule, MajorityRule):
        raise TallyInputError(f"Règle de majorité attendue, reçu {rule!r}.")
    if electorate == 0:
        raise TallyInputError("Le corps électoral est vide : aucun inscrit.")
    if present_or_represented > electorate:
        raise TallyInputError(
            f"{present_or_represented} présents ou représentés pour {electorate} inscrits : "
            "c'est plus que le corps électoral."
        )
    ballots = votes_for + against + abstain + blank + void
    if ballots > present_or_represented:
        raise TallyInputError(
            f"{ballots} bulletins (pour, contre, abstentions, blancs, nuls) pour "
            f"{present_or_represented} présents ou représentés : il y a plus de bulletins que de votants."
        )
    if quorum is not None:
        quorum = check_fraction("quorum", quorum)

    base_count = {
        Base.VOTES_CAST: votes_for + against,
        Base.PRESENT_OR_REPRESENTED: present_or_represented,
        Base.WHOLE_ELECTORATE: electorate,
    }[rule.base]
    required_for = minimal_for(rule, base_count)
    quorum_required = None if quorum is None else math.ceil(quorum * electorate)
    quorum_reached = quorum_required is None or present_or_represented >= quorum_required

    if not quorum_reached:
        outcome = Outcome.NO_QUORUM
    elif votes_for >= required_for:
        outcome = Outcome.ADOPTED
    elif _is_even_split(rule, base_count, votes_for):
        outcome = Outcome.TIE
    else:
        outcome = Outcome.REJECTED

    not_voting = present_or_represented - ballots
    result = YesNoResult(
        outcome=outcome, quorum_reached=quorum_reached, quorum=quorum,
        quorum_required=quorum_required, rule=rule, base_count=base_count,
        required_for=required_for, counted_against=base_count - votes_for,
        votes_for=votes_for, against=against, abstain=abstain, blank=blank, void=void,
        not_voting=not_voting, electorate=electorate,
        present_or_represented=present_or_represented, sentence="",
    )
    return replace(result, sentence=_sentence(result))


def minimal_for(rule: MajorityRule, base_count: int) -> int:
    """Least number of "for" votes meeting `rule` on a base of `base_count` votes.

    On the votes-cast base, base_count is the number of votes actually cast (for + against),
    as French minutes state it: « suffrages exprimés : 20 ; majorité requise : 11 ».
    At least one "for" is always required: nothing is adopted with no vote in favour."""
    bar = rule.threshold * base_count  # exact Fraction
    needed = math.floor(bar) + 1 if rule.strict else math.ceil(bar)
    return max(needed, 1)


def _is_even_split(rule: MajorityRule, base_count: int, votes_for: int) -> bool:
    # A tie only makes sense when "for" faces a single opposing block of votes: on the whole
    # electorate the other half includes absentees who voted nothing, so no tie there.
    return (
        rule.threshold == HALF and rule.strict and rule.base is not Base.WHOLE_ELECTORATE
        and votes_for > 0 and 2 * votes_for == base_count
    )


# --- French wording ---------------------------------------------------------------------

_BASE_WORDS = {
    Base.VOTES_CAST: "des voix exprimées",
    Base.PRESENT_OR_REPRESENTED: "des voix des présents ou représentés",
    Base.WHOLE_ELECTORATE: "de l'ensemble des inscrits",
}
_NUMERATORS = {1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit", 9: "neuf"}
_DENOMINATORS = {
    3: "tiers", 4: "quart", 5: "cinquième", 6: "sixième", 7: "septième", 8: "huitième",
    9: "neuvième", 10: "dixième",
}


def fraction_words(fraction: Fraction) -> str:
    """2/3 → « deux tiers », 1/2 → « la moitié », 7/12 → « 7/12 »."""
    if fraction == HALF:
        return "la moitié"
    numerator, denominator = fraction.numerator, fraction.denominator
    if numerator in _NUMERATORS and denominator in _DENOMINATORS:
        noun = _DENOMINATORS[denominator]
        if numerator > 1 and not noun.endswith("s"):
            noun += "s"
        return f"{_NUMERATORS[numerator]} {noun}"
    return f"{numerator}/{denominator}"


def _of(words: str) -> str:
    """French « de » + noun phrase: de la moitié, d'un tiers, des deux tiers."""
    if words.startswith("la "):
        return f"de {words}"
    if words.startswith("un "):
        return f"d'{words}"
    return f"des {words}"


def _threshold_words(threshold: Fraction, strict: bool) -> str:
    if threshold == 1:
        return "l'unanimité"
    if strict and threshold == HALF:
        return "la majorité"
    words = fraction_words(threshold)
    if strict:
        return f"plus {_of(words)}"
    if threshold > HALF:
        return f"la majorité {_of(words)}"
    return f"au moins {words}"


def _counts_words(r: YesNoResult) -> str:
    parts = [f"{r.votes_for} pour", f"{r.against} contre", plural(r.abstain, "abstention")]
    if r.blank:
        parts.append(plural(r.blank, "bulletin blanc", "bulletins blancs"))
    if r.void:
        parts.append(plural(r.void, "bulletin nul", "bulletins nuls"))
    if r.not_voting:
        parts.append(plural(r.not_voting, "non-votant"))
    text = ", ".join(parts)
    if r.rule.base is Base.PRESENT_OR_REPRESENTED:
        # DOMAIN: on this base an abstention weighs as a "no"; the sentence must show it.
        text += (
            f" ; abstentions, blancs, nuls et non-votants comptent comme « contre » : "
            f"{r.votes_for} pour, {r.counted_against} contre sur {r.base_count} présents ou représentés"
        )
    elif r.rule.base is Base.WHOLE_ELECTORATE:
        text += f" ; {r.votes_for} pour sur {r.base_count} inscrits"
    return text


def _sentence(r: YesNoResult) -> str:
    rule = r.rule.describe()
    required = f"{plural(r.required_for, 'voix pour requise', 'voix pour requises')}"
    if r.outcome is Outcome.NO_QUORUM:
        assert r.quorum is not None
        return (
            f"Quorum non atteint : {r.present_or_represented} présents ou représentés sur "
            f"{r.electorate} inscrits, il en fallait au moins {r.quorum_required} "
            f"({fraction_words(r.quorum)} des inscrits) ; la résolution ne peut être adoptée."
        )
    if r.outcome is Outcome.ADOPTED:
        # « à la majorité des… » but « avec au moins un tiers… »: French needs both forms.
        preposition = "avec" if rule.startswith("au moins") else "à"
        return f"Adoptée {preposition} {rule} : {_counts_words(r)}."
    if r.outcome is Outcome.TIE:
        return (
            f"Partage égal des voix, la résolution n'est pas adoptée faute de {rule} "
            f"({required}) : {_counts_words(r)}."
        )
    return f"Rejetée faute d'atteindre {rule} ({required}) : {_counts_words(r)}."
