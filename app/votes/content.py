"""What a vote says, per method: validated from untrusted input, stored as canonical JSON."""

from __future__ import annotations

import json

from flask_babel import gettext as _

from app.errors import InvalidInput
from app.governance.models import Method
from app.votes.methods import Grade

YES_NO_CHOICES = ("for", "against", "abstain", "blank")
CONSENT_CHOICES = ("consent", "objection")
MAX_REASON = 2000


def canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def parse_content(method: str, option_ids: list[int], seats: int, raw) -> dict:
    """Check one voter's choice against the ballot; returns the normalised content."""
    if not isinstance(raw, dict):
        raise _refuse("choice", _("The vote must be an object."))
    method = Method(method)
    if method is Method.YES_NO:
        choice = raw.get("choice")
        if choice not in YES_NO_CHOICES:
            raise _refuse("choice", _("Choose for, against, abstain or blank."))
        return {"choice": choice}
    if method is Method.CONSENT:
        choice = raw.get("choice")
        if choice not in CONSENT_CHOICES:
            raise _refuse("choice", _("Choose consent or objection."))
        if choice == "consent":
            return {"choice": "consent"}
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            # DOMAIN.md, consent: an objection states the harm to shared aims, not a preference.
            raise _refuse("reason", _("An objection needs its reason: the harm it would do to our shared aims."))
        if len(reason) > MAX_REASON:
            raise _refuse("reason", _("At most %(n)d characters.", n=MAX_REASON))
        return {"choice": "objection", "reason": reason.strip()}
    if method is Method.MAJORITY_JUDGMENT:
        grades = raw.get("grades")
        if not isinstance(grades, dict):
            raise _refuse("grades", _("Give a grade to every option."))
        normalised = {}
        for option_id in option_ids:
            value = grades.get(str(option_id), grades.get(option_id))
            if isinstance(value, bool) or not isinstance(value, int) or value not in {g.value for g in Grade}:
                raise _refuse("grades", _("Every option needs one grade from Excellent to Reject."))
            normalised[str(option_id)] = value
        if set(map(str, grades)) - set(normalised):
            raise _refuse("grades", _("Unknown option in the grades."))
        return {"grades": normalised}
    if method is Method.SCHULZE:
        ranking = raw.get("ranking")
        if not isinstance(ranking, list) or not all(isinstance(level, list) for level in ranking):
            raise _refuse("ranking", _("The ranking is a list of groups of options, best first."))
        seen: set[int] = set()
        normalised_ranking = []
        for level in ranking:
            group = []
            for option_id in level:
                if isinstance(option_id, bool) or not isinstance(option_id, int) or option_id not in option_ids:
                    raise _refuse("ranking", _("Unknown option in the ranking."))
                if option_id in seen:
                    raise _refuse("ranking", _("An option appears twice in the ranking."))
                seen.add(option_id)
                group.append(option_id)
            if group:
                normalised_ranking.append(sorted(group))
        return {"ranking": normalised_ranking}
    # Approval and single choice: a set of options (persons, for elections).
    chosen = raw.get("chosen")
    if not isinstance(chosen, list):
        raise _refuse("chosen", _("Choose among the options."))
    if any(isinstance(c, bool) or not isinstance(c, int) or c not in option_ids for c in chosen):
        raise _refuse("chosen", _("Unknown option."))
    if len(set(chosen)) != len(chosen):
        raise _refuse("chosen", _("An option is chosen twice."))
    if method is Method.SINGLE_CHOICE and len(chosen) > seats:
        raise _refuse("chosen", _("At most %(n)d choices.", n=seats))
    return {"chosen": sorted(chosen)}
