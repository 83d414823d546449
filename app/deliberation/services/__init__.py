"""Deliberation operations, one per action, shared by the pages, the API and the sockets.

Services check the policy, validate, change state and flush; the request commits.
"""

from app.deliberation.services import (
    ballots,  # noqa: F401  (records decisions when ballots close)
    notify,  # noqa: F401  (before the modules that use it)
)
from app.deliberation.services.amendments import (  # noqa: F401
    AMENDABLE_STATES,
    SectionConflict,
    accept_amendment,
    amendments_for_vote,
    decline_amendment,
    get_amendment,
    propose_amendment,
    put_amendment_to_vote,
    section_choices,
    section_text,
    withdraw_amendment,
)
from app.deliberation.services.comments import (  # noqa: F401
    COMMENT_STATES,
    SENSE_CHECK_STATES,
    add_comment,
    comment_history,
    edit_comment,
    give_sense_check,
    mentioned_members,
    my_sense_check,
    parse_opinion,
    parse_stance,
    sense_counts,
    withdraw_comment,
    withdraw_sense_check,
)
from app.deliberation.services.common import get_comment, get_proposal  # noqa: F401
from app.deliberation.services.escalation import (  # noqa: F401
    ESCALATION_STATES,
    Petition,
    cancel_escalation_request,
    escalate,
    has_requested,
    petition,
    request_escalation,
    threshold,
)
from app.deliberation.services.page import proposal_page_data, window_closing_reminders  # noqa: F401
from app.deliberation.services.proposals import (  # noqa: F401
    ALLOWED,
    EDITABLE_STATES,
    StaleEdit,
    allowed_from,
    back_to_debate,
    create_proposal,
    edit_proposal,
    follow,
    followers,
    int_or_none,
    is_following,
    list_query,
    load,
    open_decision_ballot,
    open_due_windows,
    open_for_debate,
    parse_state,
    proposal_query,
    revision,
    schedule_for_meeting,
    schedule_online_decision,
    send_to_preparation,
    start_vote,
    unfollow,
    withdraw,
)
from app.deliberation.services.register import (  # noqa: F401
    get_record,
    parse_date,
    record_decision,
    register_csv,
    register_query,
    update_follow_up,
)
