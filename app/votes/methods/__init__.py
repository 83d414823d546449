"""Pure tally methods of the votes engine: plain data in, plain results out.

No database, no Flask, no I/O. Rules and worked examples: docs/tally-methods.md.
"""

from app.votes.methods.common import OptionId, TallyInputError
from app.votes.methods.consent import ConsentResult, Objection, tally_consent
from app.votes.methods.majority import (
    Base,
    MajorityRule,
    Outcome,
    YesNoResult,
    fraction_words,
    minimal_for,
    tally_yes_no,
)
from app.votes.methods.majority_judgment import (
    GRADE_LABELS,
    Grade,
    MajorityJudgmentResult,
    OptionJudgment,
    majority_grade,
    tally_majority_judgment,
)
from app.votes.methods.schulze import SchulzeResult, tally_schulze
from app.votes.methods.seats import SeatsMethod, SeatsResult, tally_approval, tally_single_choice

__all__ = [
    "GRADE_LABELS",
    "Base",
    "ConsentResult",
    "Grade",
    "MajorityJudgmentResult",
    "MajorityRule",
    "Objection",
    "OptionId",
    "OptionJudgment",
    "Outcome",
    "SchulzeResult",
    "SeatsMethod",
    "SeatsResult",
    "TallyInputError",
    "YesNoResult",
    "fraction_words",
    "majority_grade",
    "minimal_for",
    "tally_approval",
    "tally_consent",
    "tally_majority_judgment",
    "tally_schulze",
    "tally_single_choice",
    "tally_yes_no",
]
