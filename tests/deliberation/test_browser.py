"""Browser proof: two members on one proposal page; comments, sense checks and the bell update live.

Playwright drives Debian's Chromium, headless (as tests/e2e). Every wait is for something
to appear on a page, never a duration.
"""

from __future__ import annotations

import os

import pytest

from app.extensions import db
from app.governance import services as governance

CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 15000  # an upper bound for anything to appear, never an expected duration

pytestmark = [pytest.mark.e2e, pytest.mark.no_db_transaction]

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (apt-get install -y chromium) for the browser tests")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def signed_in(browser, server, member):
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{server.url}/connexion")
    page.fill("input[name=email]", member.email)
    page.fill("input[name=password]", member.password)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/connexion" not in url, timeout=WAIT_MS)
    return page


def test_two_members_see_each_others_contributions_without_reloading(live_server, browser):
    author = live_server.members.add(name="Aline Autrice", language="en")
    viewer = live_server.members.add(name="Victor Lecteur", language="en")
    with live_server.app.app_context():
        everyday = str(governance.matter_by_code("everyday").id)
        db.session.rollback()

    writer = signed_in(browser, live_server, author)
    writer.goto(f"{live_server.url}/propositions/nouvelle")
    writer.fill("input[name=title]", "Des bureaux partagés")
    writer.fill("textarea[name=body]", "Nous proposons un lieu commun.")
    writer.select_option("select[name=matter_id]", everyday)
    writer.click("main form button[type=submit]")
    writer.click("form[action$='/ouvrir'] button")
    writer.wait_for_selector(".state-debate", timeout=WAIT_MS)
    proposal_url = writer.url.split("#")[0]

    reader = signed_in(browser, live_server, viewer)
    reader.goto(proposal_url)
    reader.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
    assert reader.text_content(".bell-count").strip() == "0"

    writer.check("#comment-form input[name=stance][value=for]")
    writer.fill("#comment-form textarea[name=body]", "Excellent, et @Victor Lecteur aussi ?")
    writer.click("#comment-form button[type=submit]")
    reader.wait_for_selector("#threads .comment >> text=Excellent", timeout=WAIT_MS)
    reader.wait_for_function("document.querySelector('#comment-count').textContent.trim() === '1'",
                             timeout=WAIT_MS)
    reader.wait_for_function("document.querySelector('.bell-count').textContent.trim() === '1'", timeout=WAIT_MS)

    writer.check("input[name=opinion][value=reservation]")
    writer.fill("form[action$='/avis'] textarea[name=reason]", "Le coût")
    writer.click("form[action$='/avis'] button[type=submit]:not([name])")
    reader.wait_for_function(
        "document.querySelector('#sense-counts [data-opinion=reservation]').textContent.trim() === '1'",
        timeout=WAIT_MS)

    writer.goto(proposal_url.replace("/propositions/", "/propositions/") + "/amendements/nouveau")
    writer.fill("textarea[name=body]", "Nous proposons un lieu commun et ouvert.")
    writer.click("main form button[type=submit]")
    reader.wait_for_selector("#amendments .amendment ins", timeout=WAIT_MS)
    assert reader.evaluate("window.__sameDocument") is True
