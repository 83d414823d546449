"""Rate limits: the attempt after the limit is refused with a clear message and records nothing.

Testing disables rate limiting (TestingConfig); each test here switches it on with small
limits, on the memory storage, and resets the counters before and after. Sign-in is limited
per address and e-mail (and loosely per address); invitations per administrator; password
reset links per address; votes per member, the page, the API and the websocket sharing
one counter, so an assembly voting from one Wi-Fi address is never slowed down.
"""

from __future__ import annotations

import secrets
from datetime import date

import lxml.html
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from limits import parse_many

from app.extensions import db, limiter, socketio
from app.governance import services as governance
from app.members import services as members
from app.members.models import Member, MemberStatus
from app.votes import events
from app.votes import services as votes
from config import Config
from tests.conftest import FreshRequestClient, sign_in

FRENCH = {"Accept-Language": "fr"}
ADDRESS = {"REMOTE_ADDR": "192.0.2.10"}


def french(message: str, **values) -> str:
    with force_locale("fr"):
        return " ".join(_(message, **values).split())


def text(response) -> str:
    return " ".join(lxml.html.document_fromstring(response.get_data(as_text=True)).text_content().split())


def assert_french_429(response, message: str) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)[:1000]
    assert '<html lang="fr"' in response.get_data(as_text=True)
    assert french(message) in text(response)


@pytest.fixture
def limits(app, monkeypatch):
    """limits(NAME="2 per minute", ...): rate limiting on, with these limits, fresh counters."""
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    limiter.enabled = True
    limiter.reset()

    def configure(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    yield configure
    limiter.enabled = False
    limiter.reset()


def new_key() -> str:
    return secrets.token_urlsafe(16)


# --- sign-in -----------------------------------------------------------------------------------------


def test_sign_in_after_the_limit_is_refused_even_with_the_right_password(client, make_member, limits):
    limits(SIGN_IN_RATE_LIMIT="3 per minute")
    member = make_member()
    codes = [client.post("/connexion", data={"email": member.email, "password": "faux"}, headers=FRENCH,
                         environ_base=ADDRESS).status_code for _attempt in range(3)]
    assert codes == [401, 401, 401]
    blocked = client.post("/connexion", data={"email": member.email, "password": "correct horse battery"},
                          headers=FRENCH, environ_base=ADDRESS)
    assert_french_429(blocked, "Too many attempts. Wait a minute and try again.")
    assert "Trop de requêtes" in text(blocked)
    # Nothing recorded: the member is not signed in.
    assert client.get("/profil", environ_base=ADDRESS).status_code == 302


def test_other_members_sign_in_from_the_same_address_meanwhile(client, app, make_member, limits):
    """An assembly signs in from one Wi-Fi address: one member's typos do not lock the others out."""
    limits(SIGN_IN_RATE_LIMIT="3 per minute")
    clumsy, other = make_member(), make_member()
    db.session.commit()  # a refused sign-in rolls its request back: keep the members
    for _attempt in range(4):
        client.post("/connexion", data={"email": clumsy.email, "password": "faux"}, environ_base=ADDRESS)
    second = FreshRequestClient(app, app.response_class, use_cookies=True)
    response = second.post("/connexion", data={"email": other.email, "password": "correct horse battery"},
                           environ_base=ADDRESS)
    assert response.status_code == 302


def test_sign_in_attempts_on_many_accounts_from_one_address_are_limited_too(client, make_member, limits):
    limits(SIGN_IN_ADDRESS_RATE_LIMIT="4 per minute")
    people = [make_member() for _attempt in range(5)]
    codes = [client.post("/connexion", data={"email": person.email, "password": "faux"}, headers=FRENCH,
                         environ_base=ADDRESS).status_code for person in people[:4]]
    assert codes == [401] * 4
    blocked = client.post("/connexion", data={"email": people[4].email, "password": "correct horse battery"},
                          headers=FRENCH, environ_base=ADDRESS)
    assert_french_429(blocked, "Too many attempts. Wait a minute and try again.")
    assert client.get("/profil", environ_base=ADDRESS).status_code == 302


# --- invitations and password reset links ---------------------------------------------------------------


def test_invitations_sent_by_an_administrator_are_limited(client, admin, limits, smtp_server):
    sign_in(client, admin)
    limits(INVITATION_RATE_LIMIT="2 per minute")

    def add(n):
        return client.post("/membres/nouveau", headers=FRENCH, data={
            "full_name": f"Nouvelle {n}", "email": f"nouvelle{n}@example.org", "status": "es",
            "status_since": "2026-01-05", "shares": "0"})

    assert [add(1).status_code, add(2).status_code] == [302, 302]
    blocked = add(3)
    assert_french_429(blocked, "Too many invitations sent in a short time. Wait a minute and try again.")
    assert db.session.scalar(db.select(Member).where(Member.email == "nouvelle3@example.org")) is None
    assert sorted(m["To"] for m in smtp_server.messages) == ["nouvelle1@example.org", "nouvelle2@example.org"]
    # Sending a new link to an existing member is limited the same way.
    first = db.session.scalar(db.select(Member).where(Member.email == "nouvelle1@example.org"))
    resend = [client.post(f"/membres/{first.id}/invitation", headers=FRENCH).status_code for _attempt in range(3)]
    assert resend[:2] == [302, 302]
    assert resend[2] == 429
    assert len(smtp_server.messages) == 4


def test_password_reset_requests_are_limited_per_address(client, make_member, limits, smtp_server):
    limits(EMAIL_LINK_RATE_LIMIT="2 per minute")
    member = make_member()

    def ask():
        return client.post("/mot-de-passe-oublie", data={"email": member.email}, headers=FRENCH,
                           environ_base=ADDRESS)

    assert [ask().status_code, ask().status_code] == [302, 302]
    blocked = ask()
    assert_french_429(blocked, "Too many requests for an e-mail link. Wait a few minutes and try again.")
    assert len(smtp_server.messages) == 2  # the refused request sent nothing
    also_blocked = client.post("/invitation/nouvelle", data={"email": member.email}, headers=FRENCH,
                               environ_base=ADDRESS)
    assert also_blocked.status_code in (302, 429)


# --- votes ----------------------------------------------------------------------------------------------


@pytest.fixture
def ballots(make_member):
    """Three open ballots of the seminar, and a voter in their electorate."""
    voter = make_member(MemberStatus.ES, since=date(2024, 1, 1), language="fr")
    seminar = governance.level_by_code("seminar")
    opened = [votes.open_ballot(votes.create_ballot(level=seminar, title=f"Question {n}")) for n in range(3)]
    db.session.flush()
    return voter, opened


def test_votes_from_the_page_after_the_limit_are_refused_and_not_recorded(client, ballots, limits):
    voter, (first, second, third) = ballots
    sign_in(client, voter)
    limits(VOTE_RATE_LIMIT="2 per minute")
    for ballot in (first, second):
        assert client.post(f"/scrutins/{ballot.id}/vote", data={"key": new_key(), "choice": "for"}).status_code == 302
    blocked = client.post(f"/scrutins/{third.id}/vote", data={"key": new_key(), "choice": "for"})
    assert_french_429(blocked, "Too many votes in a short time. Wait a minute and try again.")
    assert events.has_voted(first, voter.id) and events.has_voted(second, voter.id)
    assert not events.has_voted(third, voter.id)
    assert votes.turnout(third).voted == 0


def test_votes_from_the_api_after_the_limit_are_a_429_in_the_documented_shape(app, ballots, limits):
    voter, (first, second, third) = ballots
    secret, _token = members.create_api_token(voter, "essai")
    api = FreshRequestClient(app, app.response_class, use_cookies=False)
    headers = {"Authorization": f"Bearer {secret}", **FRENCH}
    limits(VOTE_RATE_LIMIT="2 per minute")

    def cast(ballot):
        return api.post(f"/api/v1/ballots/{ballot.id}/votes", json={"choice": {"choice": "for"}, "key": new_key()},
                        headers=headers)

    assert [cast(first).status_code, cast(second).status_code] == [201, 201]
    blocked = cast(third)
    assert blocked.status_code == 429
    assert blocked.get_json() == {"code": 429, "status": "Too Many Requests",
                                  "message": french("Too many votes in a short time. Wait a minute and try again.")}
    assert not events.has_voted(third, voter.id)


def test_votes_over_the_websocket_after_the_limit_get_a_rate_limited_ack(app, client, ballots, limits):
    voter, (first, second, third) = ballots
    sign_in(client, voter)
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.is_connected()
    limits(VOTE_RATE_LIMIT="2 per minute")
    try:
        acks = [socket.emit("vote", {"ballot": ballot.id, "choice": {"choice": "for"}, "key": new_key(),
                                     "on_behalf_of": None}, callback=True) for ballot in (first, second, third)]
    finally:
        socket.disconnect()
    assert [ack["ok"] for ack in acks] == [True, True, False]
    assert acks[2]["error"]["code"] == "rate_limited"
    assert acks[2]["error"]["message"] == french("Too many votes in a short time. Wait a minute and try again.")
    assert not events.has_voted(third, voter.id)


def test_the_page_the_api_and_the_websocket_share_one_counter_per_member(app, client, ballots, make_member,
                                                                        limits):
    voter, (first, second, third) = ballots
    sign_in(client, voter)
    secret, _token = members.create_api_token(voter, "essai")
    limits(VOTE_RATE_LIMIT="2 per minute")
    assert client.post(f"/scrutins/{first.id}/vote", data={"key": new_key(), "choice": "for"}).status_code == 302
    api = FreshRequestClient(app, app.response_class, use_cookies=False)
    assert api.post(f"/api/v1/ballots/{second.id}/votes", json={"choice": {"choice": "for"}, "key": new_key()},
                    headers={"Authorization": f"Bearer {secret}"}).status_code == 201
    socket = socketio.test_client(app, flask_test_client=client)
    try:
        ack = socket.emit("vote", {"ballot": third.id, "choice": {"choice": "for"}, "key": new_key()}, callback=True)
    finally:
        socket.disconnect()
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"


def test_the_default_limit_lets_a_proxy_holder_vote_a_whole_agenda_quickly(app, client, make_member, limits,
                                                                           monkeypatch):
    """A holder votes for themselves and their grantors, resolution after resolution: never refused."""
    monkeypatch.setitem(app.config, "VOTES_PROXY_CAP", 4)
    limits(VOTE_RATE_LIMIT=Config.VOTE_RATE_LIMIT)
    holder = make_member(MemberStatus.ES, since=date(2024, 1, 1))
    grantors = [make_member(MemberStatus.ES, since=date(2024, 1, 1)) for _attempt in range(4)]
    seminar = governance.level_by_code("seminar")
    for grantor in grantors:
        votes.grant_proxy(context="seminaire-test", level=seminar, day=date.today(), grantor=grantor, holder=holder)
    agenda = [votes.open_ballot(votes.create_ballot(level=seminar, title=f"Résolution {n}", context="seminaire-test"))
              for n in range(10)]
    db.session.flush()
    sign_in(client, holder)
    codes = []
    for ballot in agenda:
        for elector in [None, *grantors]:
            data = {"key": new_key(), "choice": "for"}
            if elector is not None:
                data["on_behalf_of"] = str(elector.id)
            codes.append(client.post(f"/scrutins/{ballot.id}/vote", data=data).status_code)
    assert codes == [302] * 50
    assert all(votes.turnout(ballot).voted == 5 for ballot in agenda)
    # 50 votes in well under a minute passed; the per-minute limit still stops a script voting in a loop.
    per_minute = [item for item in parse_many(Config.VOTE_RATE_LIMIT) if item.get_expiry() == 60]
    assert per_minute and 50 <= per_minute[0].amount <= 120


# --- meeting check-in -------------------------------------------------------------------------------------


def test_check_in_is_limited_per_member_not_per_address(app, client, make_member, limits):
    """Every member of an assembly checks in from the venue's Wi-Fi address: each has their own counter."""
    from datetime import UTC, datetime, timedelta

    from app.meetings import services as meetings
    from app.members.models import RoleKind

    manager = make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER])
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    meeting = meetings.create_meeting(kind="seminar", title="Séminaire", starts_at=starts,
                                      ends_at=starts + timedelta(hours=3), facilitator_ids=[manager.id],
                                      created_by=manager)
    first, second = make_member(), make_member()
    db.session.commit()
    other = FreshRequestClient(app, app.response_class, use_cookies=True)
    sign_in(client, first)
    sign_in(other, second)
    limits(MEETINGS_CHECKIN_RATE_LIMIT="2 per minute")
    url = f"/seances/{meeting.id}/pointage"
    codes = [client.post(url, data={"code": "AAA-AAA", "mode": "on_site"}, headers=FRENCH,
                         environ_base=ADDRESS).status_code for _attempt in range(3)]
    assert 429 not in codes[:2] and codes[2] == 429
    assert french("Too many attempts. Wait a minute.") in text(
        client.post(url, data={"code": "AAA-AAA"}, headers=FRENCH, environ_base=ADDRESS))
    assert other.post(url, data={"code": "AAA-AAA", "mode": "on_site"}, environ_base=ADDRESS).status_code != 429
