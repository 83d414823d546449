"""A proposal prepared by a workgroup comes back to a level's queue.

Called by the workgroups domain, which decides who may hand a report back (the group's
facilitators); here only the deliberation rules apply: the proposal must be in
preparation, and it may only go up, one recorded level at a time, as in an escalation.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.deliberation.labels import state_label
from app.deliberation.models import Proposal, ProposalState
from app.deliberation.services import proposals
from app.deliberation.services.common import lock
from app.deliberation.services.escalation import next_level
from app.errors import Conflict, InvalidInput
from app.governance.models import Level
from app.governance.services import level_label
from app.members.models import Member

S = ProposalState


def return_from_preparation(proposal: Proposal, actor: Member, reason: str,
                            to_level: Level | None = None) -> Proposal:
    """Preparation → debate at the proposal's level, or at ``to_level`` above it."""
    lock(proposal)
    reason = proposals._reason(reason, required=True)
    if proposal.state_enum is not S.PREPARATION:
        raise Conflict(_("The proposal is «%(state)s», not in preparation.", state=state_label(proposal.state)))
    if to_level is not None and to_level.rank < proposal.level.rank:
        raise InvalidInput(
            _("A prepared proposal returns to its level «%(level)s» or goes higher, never lower.",
              level=level_label(proposal.level)),
            fields={"to_level_id": [_("Choose its level or a higher one.")]})
    proposals._move(proposal, S.DEBATE, actor, reason)
    # Up one level at a time, each hop recorded, as an escalation would do.
    while to_level is not None and proposal.level.rank < to_level.rank:
        proposals._move(proposal, S.DEBATE, actor, reason, to_level=next_level(proposal.level))
    return proposal
