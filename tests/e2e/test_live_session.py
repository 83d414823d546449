"""Browser proof: a facilitator opens a ballot, three phones vote, the projector follows live.

Playwright drives Debian's Chromium (``apt-get install chromium``, never ``playwright
install``), headless. Screenshots of the three views are saved in tests/artifacts/.
Nothing here waits for a duration: every wait is for something to appear on a page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.meetings import services
from app.members.models import Member, MemberStatus, RoleKind
from app.timeutil import utcnow
from tests.e2e.conftest import ARTIFACTS, WAIT_MS, require_chromium, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.no_db_transaction]

require_chromium()


def _seminar(site):
    """A seminar in session: its facilitator, three members checked in, the debate open on item 1."""
    members = site.members
    boss = members.add(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER], name="Camille Facilitatrice",
                       email="camille@example.org", language="fr")
    voters = [members.add(MemberStatus.ES, name=name, email=f"{name.split()[0].lower()}@example.org", language="fr")
              for name in ("Inès Martin", "Bastien Roux", "Léa Moreau")]
    with members.transaction() as session, site.app.test_request_context():
        facilitator = session.get(Member, boss.id)
        start = utcnow() - timedelta(minutes=20)
        meeting = services.create_meeting(kind="seminar", title="Séminaire de printemps", starts_at=start,
                                          ends_at=start + timedelta(hours=7), place="Maison des associations, Lyon",
                                          facilitator_ids=[facilitator.id], created_by=facilitator)
        for title in ("Charte des bureaux partagés", "Trinômes de co-développement", "Calendrier de l'automne"):
            services.add_item(meeting, facilitator, kind="topic", title=title)
        for voter in voters:
            services.mark_present(meeting, facilitator, session.get(Member, voter.id))
        services.start_session(meeting, facilitator)
        services.open_debate(meeting, facilitator)
        session.commit()
        return meeting.id, services.projector_token(meeting), boss, voters


def test_facilitator_opens_a_ballot_phones_vote_projector_follows_live(site, browser):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    meeting_id, token, boss, voters = _seminar(site)

    projector = browser.new_context(locale="fr-FR", viewport={"width": 1920, "height": 1080}).new_page()
    projector.goto(f"{site.url}/seances/{meeting_id}/projection/{token}")
    projector.wait_for_selector(".pj-code")
    projector.evaluate("window.__sameDocument = true")  # gone if the page ever reloads

    phones = []
    for voter in voters:
        phone = signed_in(browser, site, voter, viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True, device_scale_factor=2)
        phone.goto(f"{site.url}/seances/{meeting_id}/telephone")
        phone.wait_for_selector("[data-live-status][data-kind=ok]", timeout=WAIT_MS)
        phone.evaluate("window.__sameDocument = true")
        phones.append(phone)

    # A latecomer checks in from the phone: a wrong code is refused with its reason, the one on screen works.
    latecomer = site.members.add(MemberStatus.ES, name="Noé Petit", email="noe@example.org", language="fr")
    late_phone = signed_in(browser, site, latecomer, viewport={"width": 390, "height": 844}, is_mobile=True,
                           has_touch=True, device_scale_factor=2)
    late_phone.goto(f"{site.url}/seances/{meeting_id}/telephone")
    late_phone.wait_for_selector("[data-live-status][data-kind=ok]", timeout=WAIT_MS)
    late_phone.fill("#phone-code", "AAA-AAA")
    late_phone.click(".phone-checkin button[type=submit]")
    late_phone.wait_for_selector("#phone-code-error:has-text('code')", timeout=WAIT_MS)
    late_phone.screenshot(path=str(ARTIFACTS / "phone-checkin-refused.png"), full_page=True)
    late_phone.fill("#phone-code", projector.inner_text(".pj-code"))
    late_phone.click(".phone-checkin button[type=submit]")
    late_phone.wait_for_selector(".phone-hand .checked", timeout=WAIT_MS)
    projector.wait_for_selector(".pj-present >> text=4", timeout=WAIT_MS)

    # One member asks for the floor: the projector's queue shows it without reloading.
    phones[2].click("button.stance-question")
    projector.wait_for_selector(".pj-queue >> text=Léa Moreau", timeout=WAIT_MS)

    console = signed_in(browser, site, boss, viewport={"width": 1440, "height": 1000})
    console.goto(f"{site.url}/seances/{meeting_id}/console")
    console.click("#open-ballot summary")
    console.fill("#open-ballot input[name=title]", "Adopter la charte des bureaux partagés")
    console.select_option("#open-ballot select[name=method]", "yes_no")
    console.select_option("#open-ballot select[name=secrecy]", "secret")
    console.select_option("#open-ballot select[name=visibility]", "after_close")
    console.click("#open-ballot button[type=submit]")
    console.wait_for_selector(".ballot-panel", timeout=WAIT_MS)

    # The vote form reaches every phone live; each votes and sees its receipt.
    for phone, choice in zip(phones, ("for", "for", "against"), strict=True):
        phone.wait_for_selector(".vote-form", timeout=WAIT_MS)
        phone.check(f".vote-form input[name=choice][value={choice}]")
        phone.click(".vote-form button[type=submit]")
        # A secret ballot's receipt is known to this phone only: it stays shown after the live refresh.
        phone.locator(".phone-ballot code.receipt").filter(
            has_text=re.compile(r"^\s*[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}\s*$")).first.wait_for(timeout=WAIT_MS)

    # Locators, not wait_for_function: the pages' CSP forbids the eval that the latter needs.
    expect(projector.locator("[data-voted]")).to_have_text(re.compile(r"^\s*3\s*$"), timeout=WAIT_MS)
    assert projector.evaluate("document.querySelector('.pj-result') === null")  # hidden until closed
    projector.screenshot(path=str(ARTIFACTS / "projector-turnout.png"))
    phones[0].screenshot(path=str(ARTIFACTS / "phone-voted.png"), full_page=True)

    console.click(".ballot-panel form:has(input[name=link_id]) button:not(.secondary)")
    console.wait_for_selector(".ballot-panel .badge.state-closed", timeout=WAIT_MS)
    console.click(".ballot-panel form:has(input[name=link_id]) button.secondary")
    console.wait_for_selector(".ballot-panel .badge.state-published", timeout=WAIT_MS)
    console.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)

    projector.wait_for_selector(".pj-sentence", timeout=WAIT_MS)
    assert projector.evaluate("window.__sameDocument === true"), "the projector reloaded"
    counts = projector.locator(".pj-choice-count").all_inner_texts()
    assert counts[:2] == ["2", "1"]
    projector.screenshot(path=str(ARTIFACTS / "projector-result.png"))
    phones[0].wait_for_selector(".phone-ballot .sentence, .phone-ballot table, .phone-ballot .result",
                                timeout=WAIT_MS)
    assert phones[0].evaluate("window.__sameDocument === true"), "the phone reloaded"
    phones[0].screenshot(path=str(ARTIFACTS / "phone-result.png"), full_page=True)

    with site.app.app_context():
        from app.meetings.models import Meeting
        from app.votes import services as votes

        meeting = db.session.get(Meeting, meeting_id)
        ballot = meeting.items[0].ballots[0].ballot
        assert votes.turnout(ballot).voted == 3 and votes.stored_result(ballot)["counts"]["for"] == 2
        db.session.remove()
