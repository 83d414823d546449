"""The meetings' operations, one per action, shared by the pages, the API and the sockets.

Services check the policy, validate, change state and flush; the request (or the socket
event wrapper) commits. They take ``now`` so tests never depend on the clock.
"""

from app.meetings.services.attendance import (  # noqa: F401
    Sheet,
    check_in_with_code,
    history,
    is_checked_in,
    mark_present,
    seminar_overview,
    sheet,
    shown_code,
    undo_check_in,
)
from app.meetings.services.common import (  # noqa: F401
    get_item,
    get_meeting,
    is_over,
    meeting_from_projector_token,
    member_from_reply_token,
    projector_token,
    reply_token,
)
from app.meetings.services.planning import (  # noqa: F401
    add_document,
    add_item,
    agenda_text,
    attendance_of,
    convene,
    create_meeting,
    default_seminar_days,
    invitees,
    move_item,
    past_meetings,
    plan_seminar_year,
    record_reply,
    remove_document,
    remove_item,
    schedulable_proposals,
    upcoming_meetings,
    update_meeting,
)
from app.meetings.services.session import (  # noqa: F401
    close_debate,
    close_item_ballot,
    end_session,
    end_speaker,
    get_item_ballot,
    give_floor,
    go_to_item,
    lower_hand,
    move_speaker,
    my_request,
    open_ballot_of,
    open_debate,
    open_item_ballot,
    pause_session,
    present_count,
    queue,
    raise_hand,
    remaining_seconds,
    remove_speaker,
    reveal_result,
    start_session,
)
