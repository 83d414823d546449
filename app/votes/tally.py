"""From stored votes to a result: the only bridge between the database and the pure methods.

Options are passed to the methods by label (labels are unique within a ballot) so the
methods' French sentences name them.
"""

from __future__ import annotations

from fractions import Fraction

from app.governance.models import Method
from app.votes import methods
from app.votes.methods import Base, MajorityRule


def _fraction(value: Fraction | None) -> str | None:
    return f"{value.numerator}/{value.denominator}" if value is not None else None


def tally(ballot, contents: list[dict], electorate: int, present_or_represented: int) -> dict:
    """A JSON-ready result; `contents` are the stored votes, `electorate` the snapshot's size."""
    method = Method(ballot.method)
    result: dict = {"method": method.value, "electorate": electorate, "voters": len(contents),
                    "present_or_represented": present_or_represented}
    if method is Method.YES_NO:
        counts = {choice: 0 for choice in ("for", "against", "abstain", "blank")}
        for content in contents:
            counts[content["choice"]] += 1
        rule = MajorityRule(ballot.majority, Base(ballot.majority_base), ballot.majority_strict)
        outcome = methods.tally_yes_no(
            votes_for=counts["for"], against=counts["against"], abstain=counts["abstain"], blank=counts["blank"],
            electorate=electorate, present_or_represented=present_or_represented,
            rule=rule, quorum=ballot.quorum)
        result |= {
            "counts": counts, "outcome": outcome.outcome.value, "adopted": outcome.adopted,
            "quorum": _fraction(outcome.quorum), "quorum_reached": outcome.quorum_reached,
            "quorum_required": outcome.quorum_required, "rule": rule.describe(),
            "threshold": _fraction(rule.threshold), "strict": rule.strict, "base": rule.base.value,
            "base_count": outcome.base_count, "required_for": outcome.required_for,
            "counted_against": outcome.counted_against, "not_voting": outcome.not_voting,
            "sentence": outcome.sentence,
        }
        return result
    if method is Method.CONSENT:
        objections = [methods.Objection(reason=c["reason"]) for c in contents if c["choice"] == "objection"]
        outcome = methods.tally_consent(objections)
        result |= {"adopted": outcome.adopted, "consents": len(contents) - len(objections),
                   "objections": [o.reason for o in outcome.standing], "sentence": outcome.sentence}
        return result

    labels = {str(option.id): option.label for option in ballot.options}
    ordered = [option.label for option in ballot.options]
    if not contents:
        result |= {"sentence": "Aucun bulletin : pas de résultat.", "ranking": [], "adopted": None}
        return result
    if method is Method.MAJORITY_JUDGMENT:
        ballots = [{labels[k]: v for k, v in c["grades"].items()} for c in contents]
        outcome = methods.tally_majority_judgment(ordered, ballots)
        result |= {
            "ranking": [list(group) for group in outcome.ranking],
            "options": [{"label": o.option, "rank": o.rank, "majority_grade": int(o.majority_grade),
                         "majority_grade_label": methods.GRADE_LABELS[int(o.majority_grade)],
                         "merit_profile": list(o.merit_profile), "better": o.better, "worse": o.worse}
                        for o in outcome.options],
            "grades": list(methods.GRADE_LABELS), "sentence": outcome.sentence,
        }
        return result
    if method is Method.SCHULZE:
        ballots = [[[labels[str(i)] for i in group] for group in c["ranking"]] for c in contents]
        outcome = methods.tally_schulze(ordered, ballots)
        result |= {
            "ranking": [list(group) for group in outcome.ranking], "winners": list(outcome.winners),
            "condorcet_winner": outcome.condorcet_winner,
            "pairwise": [[outcome.pairwise[a].get(b) if a != b else None for b in ordered] for a in ordered],
            "strongest_paths": [[outcome.strongest_paths[a].get(b) if a != b else None for b in ordered]
                                for a in ordered],
            "labels": ordered, "sentence": outcome.sentence,
        }
        return result
    ballots = [[labels[str(i)] for i in c["chosen"]] for c in contents]
    tally_seats = methods.tally_approval if method is Method.APPROVAL else methods.tally_single_choice
    outcome = tally_seats(ordered, ballots, ballot.seats)
    result |= {"seats": ballot.seats, "counts": [[label, n] for label, n in outcome.counts],
               "elected": list(outcome.elected), "tied": list(outcome.tied),
               "undecided_seats": outcome.undecided_seats, "blank_ballots": outcome.blank_ballots,
               "sentence": outcome.sentence}
    return result
