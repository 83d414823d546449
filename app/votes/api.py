"""REST resources for ballots, votes, results, the ballot box and proxies.

The same services and the same rules as the pages and the websocket: a vote cast here
goes through `services.cast_vote`, and the response is sent after the request's commit.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app import policy
from app.api import ID, Blueprint, SelectPage, current_member
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.governance import services as governance
from app.members.models import Member
from app.timeutil import local_today
from app.votes import events, services
from app.votes.models import Ballot, Proxy
from app.votes.schemas import (
    BallotCreateSchema,
    BallotQuerySchema,
    BallotSchema,
    BoxSchema,
    CancelSchema,
    CloseSchema,
    ProxyCreateSchema,
    ProxyQuerySchema,
    ProxySchema,
    ReceiptSchema,
    ResultSchema,
    TurnoutSchema,
    VoteSchema,
)

blp = Blueprint("ballots_api", __name__, description="Ballots, votes, results and the anonymous ballot box")
proxies_blp = Blueprint("proxies_api", __name__, description="Proxies (pouvoirs) for the ballots of a sitting")


def _viewable(ballot_id: int) -> Ballot:
    policy.require(current_member(), "ballots.view")
    return services.get_ballot(ballot_id)


def _managed(ballot_id: int) -> Ballot:
    ballot = services.get_ballot(ballot_id)
    policy.require(current_member(), "ballots.manage", ballot)
    return ballot


@blp.route("")
class Ballots(MethodView):
    @blp.arguments(BallotQuerySchema, location="query")
    @blp.response(200, BallotSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args):
        """Ballots, newest first; filter with `state`."""
        policy.require(current_member(), "ballots.view")
        query = select(Ballot).order_by(Ballot.created_at.desc(), Ballot.id.desc())
        if args.get("state"):
            query = query.where(Ballot.state == args["state"])
        return query

    @blp.arguments(BallotCreateSchema)
    @blp.response(201, BallotSchema)
    def post(self, data):
        """Create a draft ballot (co-managers and the administrator). Omitted rules come from the level."""
        member = current_member()
        policy.require(member, "ballots.manage")
        level = governance.level_by_code(data.pop("level"))
        if "quorum" not in data:
            data["quorum"] = False  # the service reads False as "the level's quorum"
        return services.create_ballot(level=level, created_by=member, **data)


@blp.route(f"/<{ID}:ballot_id>")
class BallotById(MethodView):
    @blp.response(200, BallotSchema)
    def get(self, ballot_id: int):
        """One ballot."""
        return _viewable(ballot_id)


@blp.route(f"/<{ID}:ballot_id>/open", methods=["POST"])
@blp.response(200, BallotSchema)
def open_ballot(ballot_id: int):
    """Open a draft: its electorate is snapshotted now (who may vote at its level today)."""
    return services.open_ballot(_managed(ballot_id), by=current_member())


@blp.route(f"/<{ID}:ballot_id>/close", methods=["POST"])
@blp.arguments(CloseSchema, required=False)
@blp.response(200, BallotSchema)
def close_ballot(data, ballot_id: int):
    """Close an open ballot: the stored votes are tallied once and the result stored with its fingerprint."""
    ballot = _managed(ballot_id)
    present = (data or {}).get("present_or_represented")
    services.close_ballot(ballot, by=current_member(), present_or_represented=present)
    return services.get_ballot(ballot_id)


@blp.route(f"/<{ID}:ballot_id>/publish", methods=["POST"])
@blp.response(200, BallotSchema)
def publish_ballot(ballot_id: int):
    """Publish a closed ballot's result; the anonymous ballot box becomes downloadable."""
    return services.publish_ballot(_managed(ballot_id), by=current_member())


@blp.route(f"/<{ID}:ballot_id>/cancel", methods=["POST"])
@blp.arguments(CancelSchema)
@blp.response(200, BallotSchema)
def cancel_ballot(data, ballot_id: int):
    """Cancel a ballot not yet published, saying why."""
    return services.cancel_ballot(_managed(ballot_id), data["reason"], by=current_member())


@blp.route(f"/<{ID}:ballot_id>/votes", methods=["POST"])
@blp.arguments(VoteSchema)
@blp.response(201, ReceiptSchema, description="The vote was recorded (committed) and this is its receipt.")
@blp.alt_response(200, schema=ReceiptSchema,
                  description="Nothing new was stored: the same key was sent before (`repeated`), or a named, "
                              "changeable vote was changed (`replaced`, same receipt).")
def cast_vote(data, ballot_id: int):
    """Vote, for yourself or, with `on_behalf_of`, for a member whose proxy you hold.

    Send a fresh `key` with each new vote; retry a request with the same key as often as
    needed, it counts once and returns the same receipt. Outside the window: 409 with its
    dates; not in the electorate: 403 with the reason; an invalid choice: 422 per field;
    more votes than VOTE_RATE_LIMIT (60 a minute by default, per member): 429.
    """
    member = current_member()
    events.check_vote_rate(member)
    ballot = services.get_ballot(ballot_id)
    policy.require(member, "ballots.vote", ballot)
    grantor = _existing_member(data["on_behalf_of"], "on_behalf_of") if data.get("on_behalf_of") else None
    receipt = services.cast_vote(ballot, member, data["choice"], data["key"], on_behalf_of=grantor)
    return receipt, 200 if (receipt.repeated or receipt.replaced) else 201


@blp.route(f"/<{ID}:ballot_id>/turnout")
@blp.response(200, TurnoutSchema)
def turnout(ballot_id: int):
    """How many electors have voted so far: always public to members, even for a hidden tally."""
    ballot = _viewable(ballot_id)
    count = services.turnout(ballot)
    return {"ballot_id": ballot.id, "state": ballot.state, "electorate": count.electorate, "voted": count.voted}


@blp.route(f"/<{ID}:ballot_id>/result")
@blp.response(200, ResultSchema)
def result(ballot_id: int):
    """The stored result once closed; while open, the running tally only if the ballot's visibility is `live`."""
    ballot = _viewable(ballot_id)
    tally, final = events.visible_result(ballot)
    if tally is None:
        raise Conflict(_("The result is shown once the ballot closes."))
    return {"ballot_id": ballot.id, "state": ballot.state, "final": final, "result": tally,
            "result_fingerprint": ballot.result_fingerprint}


@blp.route(f"/<{ID}:ballot_id>/box")
@blp.response(200, BoxSchema)
def ballot_box(ballot_id: int):
    """The anonymous ballot box once published: receipts and votes sorted by receipt, enough to re-tally."""
    ballot = _viewable(ballot_id)
    votes = services.ballot_box(ballot)
    return {"ballot_id": ballot.id, "method": ballot.method, "seats": ballot.seats, "options": ballot.options,
            "result_fingerprint": ballot.result_fingerprint, "votes": votes}


@proxies_blp.route("")
class Proxies(MethodView):
    @proxies_blp.arguments(ProxyQuerySchema, location="query")
    @proxies_blp.response(200, ProxySchema(many=True))
    @proxies_blp.paginate(SelectPage)
    def get(self, args):
        """The proxies of a sitting (`context`): all of them for co-managers and the administrator,
        otherwise those you gave or hold."""
        member = current_member()
        policy.require(member, "ballots.view")
        query = select(Proxy).where(Proxy.context == args["context"]).order_by(Proxy.id)
        if not policy.can(member, "ballots.manage"):
            query = query.where(or_(Proxy.grantor_id == member.id, Proxy.holder_id == member.id))
        return query

    @proxies_blp.arguments(ProxyCreateSchema)
    @proxies_blp.response(201, ProxySchema)
    def post(self, data):
        """Record a proxy for every ballot of a sitting; `holder_id: null` is a blank proxy.

        Refused with the rule quoted: a grantor or holder outside the level's electorate,
        a holder over the cap (loi 78-763 art. 14), a second proxy from the same grantor.
        """
        member = current_member()
        policy.require(member, "ballots.manage")
        grantor = _existing_member(data["grantor_id"], "grantor_id")
        holder = _existing_member(data["holder_id"], "holder_id") if data["holder_id"] is not None else None
        return services.grant_proxy(context=data["context"], level=governance.level_by_code(data["level"]),
                                    day=data["day"] or local_today(), grantor=grantor, holder=holder,
                                    document=data["document"], recorded_by=member)


def _existing_member(member_id: int, field: str) -> Member:
    found = db.session.get(Member, member_id)
    if found is None:
        raise InvalidInput(_("Unknown member."), fields={field: [_("Unknown member.")]})
    return found
