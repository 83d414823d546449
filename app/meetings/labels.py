"""Interface labels of the meetings' words (English source strings, French from the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "seminar": _l("Seminar"),
    "co_management": _l("Co-management meeting"),
    "workgroup": _l("Workgroup meeting"),
    "general_assembly": _l("General assembly"),
}
SESSION_LABELS = {
    "planned": _l("Planned"),
    "running": _l("In session"),
    "paused": _l("Paused"),
    "ended": _l("Ended"),
}
ITEM_KIND_LABELS = {
    "proposal": _l("Proposal"),
    "topic": _l("Free topic"),
    "election": _l("Election"),
}
DEBATE_LABELS = {
    "pending": _l("Not started"),
    "open": _l("Debate open"),
    "closed": _l("Debate closed"),
}
REPLY_LABELS = {
    "present": _l("Present"),
    "remote": _l("Remote"),
    "excused": _l("Excused"),
}
CHECKIN_LABELS = {
    "on_site": _l("On site"),
    "remote": _l("Remote"),
}
STANCE_LABELS = {
    "for": _l("For"),
    "against": _l("Against"),
    "question": _l("Question"),
}
# What the attendance history says of one meeting for one member.
OUTCOME_LABELS = {
    "on_site": _l("Present"),
    "remote": _l("Remote"),
    "excused": _l("Excused absence"),
    "absent": _l("Absent"),
    "upcoming": _l("Upcoming"),
}


def label(table: dict, value) -> str:
    return str(table.get(value, value or ""))
