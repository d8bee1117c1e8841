"""The web application on top of the `library` fixture, and helpers that talk to it as a
browser would: every form post carries the CSRF token taken from a page (CSRF stays on)."""
from __future__ import annotations

import re

import lxml.html
import pytest

from tests.conftest import PASSWORD
from web import create_app

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(db_url, library):
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test"})
    assert app.config.get("WTF_CSRF_ENABLED", True), "CSRF protection must stay on in tests"
    yield app
    app.extensions["motcua.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf(client, url: str) -> str:
    """GET `url` and return the CSRF token of its first form."""
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} -> {response.status_code}"
    found = _TOKEN.search(response.get_data(as_text=True))
    assert found, f"no csrf_token input on {url}"
    return found.group(1)


def post_form(client, url: str, data: dict, token_page: str | None = None, **kwargs):
    """POST `data` to `url` with the CSRF token of `token_page` (by default `url` itself)."""
    token = csrf(client, token_page or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def login(client, username: str, password: str = PASSWORD):
    """Log out whoever is logged in, then log in as `username`; returns the login response."""
    logout(client)
    return post_form(client, "/login", {"username": username, "password": password})


def logout(client) -> None:
    token = csrf(client, "/login")
    client.post("/logout", data={"csrf_token": token})


def page(response) -> lxml.html.HtmlElement:
    """The parsed HTML of a response."""
    return lxml.html.fromstring(response.get_data(as_text=True))


def by_testid(tree, name: str) -> list:
    """Elements carrying data-testid=`name`."""
    return tree.xpath(f'//*[@data-testid="{name}"]')


def text(element) -> str:
    return " ".join(element.text_content().split())


def flashes(tree, category: str) -> list[str]:
    """The flash messages of one category ('error', 'success') shown on a page."""
    return [text(e) for e in tree.xpath(
        f'//*[@role="alert"][contains(concat(" ", normalize-space(@class), " "), " {category} ")]')]


@pytest.fixture
def english(app):
    """The interface in English by default, for tests that assert on the wording of messages
    rather than on data (a session's choice would not survive their moves in time)."""
    app.config["DEFAULT_LANGUAGE"] = "en"
    return app
