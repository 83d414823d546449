"""Pages of deliberation: proposals, comments, amendments, the register, search.

Views parse, call one service and render; the services authorise and validate. A
refused action (DomainError) is rolled back and told as a message on the page it came
from; a form with field errors is shown again with status 422 (so nothing is committed).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("deliberation", __name__, template_folder="../../templates", cli_group="deliberation")



@bp.context_processor
def _labels():
    from app.deliberation import labels
    from app.governance.services import level_label, matter_label

    return {
        "state_label": labels.state_label, "stance_label": labels.stance_label,
        "opinion_label": labels.opinion_label, "amendment_label": labels.amendment_label,
        "outcome_label": labels.outcome_label, "follow_up_label": labels.follow_up_label,
        "level_label": level_label, "matter_label": matter_label,
    }


from app.deliberation.views import cli, comments, proposals, register  # noqa: E402,F401
