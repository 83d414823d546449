"""Shared browser-test infrastructure: a real server per module and Debian's Chromium.

Playwright drives Debian's Chromium (``apt-get install chromium``, never ``playwright
install``), headless. Nothing here waits for a duration: every wait is for something to
appear on a page, bounded by WAIT_MS.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.meetings.live_support import serve

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
WAIT_MS = 15000  # an upper bound for anything to appear, never an expected duration


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            raise RuntimeError("CI must install Debian's chromium (apt-get install -y chromium) for the browser tests")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(app, tmp_path_factory):
    """The app served by Werkzeug in a thread, on its own committed database, for one module."""
    with serve(tmp_path_factory.mktemp("e2e"), "e2e", SERVER_NAME=None) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def signed_in(browser, site, member, **context_options):
    """A new browser context signed in as the member (French unless told), on the page after sign-in."""
    context_options.setdefault("locale", "fr-FR")
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.goto(f"{site.url}/connexion")
    page.fill("input[name=email]", member.email)
    page.fill("input[name=password]", member.password)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/connexion" not in url, timeout=WAIT_MS)
    return page
