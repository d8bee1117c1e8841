"""The real application on a free localhost port (werkzeug in a background thread) over an
SQLite file prepared with the `library` fixture, and Debian's Chromium driven by Playwright.

Chromium is never downloaded: the system one at /usr/bin/chromium is used, and the tests
are skipped when it is absent (CI installs it)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(db_url, library):
    """Base URL of the application serving the prepared database; stopped afterwards."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser tests run on an SQLite file only")
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "e2e"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="motcua-e2e", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["motcua.engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium to run the browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, base_url: str, **options):
    """A page in a context of its own (its own cookies: one logged-in user)."""
    context = browser.new_context(**{"base_url": base_url, "locale": "vi-VN",
                                     "viewport": {"width": 1280, "height": 900}, **options})
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser, live_server):
    expect.set_options(timeout=10_000)
    page = new_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def login_as(browser, live_server):
    """`login_as("head")`: a page of its own in which that user of the `library` fixture has
    logged in through the form; the same page again for the same user."""
    from tests.conftest import PASSWORD

    from .flows import log_in

    expect.set_options(timeout=10_000)
    pages = {}

    def open_as(username: str):
        if username not in pages:
            pages[username] = new_page(browser, live_server)
            log_in(pages[username], username, PASSWORD)
        return pages[username]

    yield open_as
    for page in pages.values():
        page.context.close()
