"""Live ballots: the room ``ballot:<id>``, the ``vote`` event, and coalesced broadcasts.

- A client joins ``ballot:<id>`` (policy "ballots.view") and receives the snapshot: state,
  turnout, the tally when visibility allows, and its own vote state. Rejoining after a
  disconnection gives the full current state again: no event needs to be seen.
- ``vote`` casts through ``services.cast_vote`` inside the live module's event wrapper, so
  the acknowledgement is sent only once the vote is committed.
- Every recorded vote marks its ballot; after the commit, a background task sends at most
  one ``ballot_update`` per ballot per VOTES_LIVE_INTERVAL seconds (0.25 by default),
  whatever the vote rate: turnout always, the tally only when visibility allows.
- ``ballot_opened``, ``ballot_closed``, ``ballot_published``, ``ballot_cancelled`` carry the
  public state, sent after the commit by the live outbox.

``visible_result`` and ``public_state`` are the one definition of what members may see of
a ballot at a given moment; the pages and the API use them too.
"""

from __future__ import annotations

import functools
import json
import logging

import socketio as socketio_module
from flask import current_app
from flask_babel import gettext as _
from limits import parse_many
from marshmallow import ValidationError
from sqlalchemy import select

from app import live, policy
from app.errors import InvalidInput, RateLimited
from app.extensions import db, limiter, socketio
from app.live.coalesce import Coalescer
from app.members import services as members
from app.votes import services, signals
from app.votes.models import Ballot, BallotState, Participation, StoredVote, Visibility

log = logging.getLogger("facettes.votes.live")
KIND = "ballot"
DEFAULT_INTERVAL = 0.25


# --- what members may see ------------------------------------------------------------------


def visible_result(ballot: Ballot) -> tuple[dict | None, bool]:
    """(result, final): the stored result once closed, the running tally of a live ballot, else None."""
    if ballot.state in (BallotState.CLOSED, BallotState.PUBLISHED):
        return services.stored_result(ballot), True
    if ballot.state == BallotState.OPEN and ballot.visibility == Visibility.LIVE:
        return services.current_result(ballot), False
    return None, False


def public_state(ballot: Ballot) -> dict:
    """What every member may see now; the tally key is absent when visibility hides it."""
    count = services.turnout(ballot)
    # version: the audit chain's length, which every vote, change and state change extends,
    # so a client keeps the newest of a snapshot and an event that crossed it.
    state = {"ballot": ballot.id, "version": ballot.audit_seq, "state": ballot.state,
             "visibility": ballot.visibility, "turnout": {"electorate": count.electorate, "voted": count.voted}}
    result, final = visible_result(ballot)
    if result is not None:
        state["tally"], state["final"] = result, final
    if ballot.state == BallotState.CANCELLED:
        state["cancel_reason"] = ballot.cancel_reason
    return state


def stored_vote_of(ballot: Ballot, elector_id: int) -> StoredVote | None:
    """A named ballot's vote of an elector (cast by them or by their proxy holder); never for a secret one."""
    if ballot.is_secret:
        return None
    return db.session.scalar(select(StoredVote).where(
        StoredVote.ballot_id == ballot.id,
        (StoredVote.proxy_for_id == elector_id)
        | ((StoredVote.voter_id == elector_id) & StoredVote.proxy_for_id.is_(None)),
    ))


def has_voted(ballot: Ballot, elector_id: int) -> bool:
    return db.session.scalar(select(Participation.id).where(
        Participation.ballot_id == ballot.id, Participation.elector_id == elector_id)) is not None


def vote_state(ballot: Ballot, elector_id: int) -> dict:
    """Whether the elector voted and, for a named ballot, their receipt and vote.

    A secret ballot keeps no link from voter to vote: its receipt is known only to the
    client that kept it (the page keeps it in the member's session cookie).
    """
    stored = stored_vote_of(ballot, elector_id)
    return {"voted": has_voted(ballot, elector_id),
            "receipt": stored.receipt if stored else None,
            "vote": json.loads(stored.content) if stored else None}


def member_state(ballot: Ballot, member) -> dict:
    elector = services.is_elector(ballot, member)
    mine = {"elector": elector, **vote_state(ballot, member.id)}
    given = services.proxy_given_by(ballot.context, member)
    mine["proxy_given_to"] = (given.holder_id if given.holder_id else 0) if given else None
    mine["proxies"] = [
        {"grantor": proxy.grantor_id, "name": proxy.grantor.full_name, **vote_state(ballot, proxy.grantor_id)}
        for proxy in services.proxies_held(ballot.context, member)
    ]
    return mine


def snapshot(member, ballot_id: int) -> dict:
    ballot = services.get_ballot(ballot_id)
    return public_state(ballot) | {"me": member_state(ballot, member)}


def _load(ballot_id: int) -> Ballot | None:
    return db.session.get(Ballot, ballot_id)


live.register_room_kind(KIND, action="ballots.view", loader=_load, snapshot=snapshot)


# --- the vote event ------------------------------------------------------------------------------


def _payload(schema, data) -> dict:
    try:
        return schema.load(data if data is not None else {})
    except ValidationError as error:
        fields = {name: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                  for name, msgs in (error.messages if isinstance(error.messages, dict) else {}).items()}
        raise InvalidInput(_("The vote could not be read: see the errors of each field."), fields=fields) from None


def check_vote_rate(member) -> None:
    """Refuse a vote beyond VOTE_RATE_LIMIT for this member, whichever door it came through.

    One counter per member in Flask-Limiter's storage (Redis with REDIS_URL, so every worker
    shares it): pages, API and websocket count together, and members sharing an address
    (an assembly's Wi-Fi) never slow each other down.
    """
    if not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    for item in parse_many(current_app.config["VOTE_RATE_LIMIT"]):
        if not limiter.limiter.hit(item, "votes", str(member.id)):
            raise RateLimited(_("Too many votes in a short time. Wait a minute and try again."))


@functools.cache
def _vote_schema():
    from app.votes.schemas import SocketVoteSchema

    return SocketVoteSchema()  # one instance: loading does not change a schema, building one costs


@live.on("vote", group_commit=True, group_scope=services.deferred_votes)
def vote(member, data):
    """{"ballot": id, "choice": {...}, "key": "...", "on_behalf_of": id|null} -> the receipt, once committed."""
    check_vote_rate(member)
    payload = _payload(_vote_schema(), data)
    # Locked now rather than again inside cast_vote: one read of the ballot per vote.
    ballot = services.get_ballot(payload["ballot"], lock=True)
    policy.require(member, "ballots.vote", ballot)
    grantor = members.get_member(payload["on_behalf_of"]) if payload.get("on_behalf_of") else None
    receipt = services.cast_vote(ballot, member, payload["choice"], payload["key"], on_behalf_of=grantor)
    return {"ballot": ballot.id, "receipt": receipt.code, "repeated": receipt.repeated, "replaced": receipt.replaced}


# --- coalesced broadcasts ---------------------------------------------------------------------


def _emit_update(app, ballot_id: int) -> None:
    with app.app_context():
        try:
            ballot = db.session.get(Ballot, ballot_id)
            payload = public_state(ballot) if ballot is not None else None
        finally:
            db.session.remove()
    if payload is not None:
        socketio.emit("ballot_update", payload, to=live.ballot_room(ballot_id))


broadcaster = Coalescer("ballot", _emit_update, "VOTES_LIVE_INTERVAL", DEFAULT_INTERVAL)


def _has_listeners(room: str) -> bool:
    server = socketio.server
    if server is None:
        return False
    manager = server.manager
    if isinstance(manager, socketio_module.PubSubManager):
        return True  # listeners may sit in other workers
    return bool(manager.rooms.get("/", {}).get(room))


@signals.vote_recorded.connect
def _mark_dirty(ballot, **kwargs) -> None:
    broadcaster.touch_after_commit(ballot.id, only_if=lambda ballot_id: _has_listeners(live.ballot_room(ballot_id)))


# --- life-cycle events, sent after the commit ---------------------------------------------------


def _announce(event_name: str):
    def receiver(ballot, **kwargs) -> None:
        live.emit_to(live.ballot_room(ballot), event_name, public_state(ballot))

    return receiver


# Strong references: blinker keeps only weak ones to receivers by default.
_RECEIVERS = {
    signal: _announce(name)
    for signal, name in ((signals.ballot_opened, "ballot_opened"), (signals.ballot_closed, "ballot_closed"),
                         (signals.ballot_published, "ballot_published"),
                         (signals.ballot_cancelled, "ballot_cancelled"))
}
for _signal, _receiver in _RECEIVERS.items():
    _signal.connect(_receiver)
