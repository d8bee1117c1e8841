"""Vietnamese by default, English on request (?lang=en, remembered in the session).

msgids are English (`_("...")` in views and templates) and the Vietnamese catalogue is
web/translations/vi/LC_MESSAGES/messages.po; babel.cfg says how to refresh it.  Only the
.po is kept in git: `compile_catalogues` turns each .po into its .mo at start-up whenever
the .mo is missing or older than the .po, so tests, `motcua serve` and a fresh clone all
show Vietnamese without a build step.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import Babel

LANGUAGES = ("vi", "en")
DEFAULT_TRANSLATION_DIRECTORIES = "translations"

log = logging.getLogger(__name__)


def _locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
    return session.get("lang", current_app.config.get("DEFAULT_LANGUAGE", "vi"))


def _stale(po: Path, mo: Path) -> bool:
    try:
        return mo.stat().st_mtime < po.stat().st_mtime
    except FileNotFoundError:
        return True


def _write_atomically(po: Path, mo: Path) -> None:
    """Compile `po` into `mo` through a temporary file, so a concurrently starting
    process never reads half a catalogue."""
    with po.open("rb") as source:
        catalog = read_po(source)
    mo.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as target:
            write_mo(target, catalog)  # fuzzy entries are left out, as msgfmt does
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def compile_catalogues(directory: Path, fallback: Path | None = None) -> list[Path]:
    """Compile every `<lang>/LC_MESSAGES/<domain>.po` under `directory` whose .mo is
    missing or older than it; return the .mo files written.

    When `directory` cannot be written (an installed, read-only package), the .mo goes
    under `fallback` instead, in the same layout, and the caller should add `fallback` to
    the translation directories.
    """
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not _stale(po, mo):
            continue
        try:
            _write_atomically(po, mo)
        except OSError:
            if fallback is None:
                raise
            mo = fallback / po.relative_to(directory).with_suffix(".mo")
            if not _stale(po, mo):
                continue
            _write_atomically(po, mo)
        log.info("compiled %s -> %s", po, mo)
        written.append(mo)
    return written


def _prepare_catalogues(app: Flask) -> None:
    """Compile the catalogues of every configured translation directory (relative ones
    are taken from the app's root_path, as Flask-Babel does)."""
    configured = app.config.get("BABEL_TRANSLATION_DIRECTORIES", DEFAULT_TRANSLATION_DIRECTORIES)
    directories = [d for d in configured.split(";") if d]
    fallback = Path(app.instance_path) / "translations"
    used_fallback = False
    for name in directories:
        directory = Path(app.root_path, name)
        if not directory.is_dir():
            continue
        compile_catalogues(directory, fallback)
        # a .mo still stale beside its .po could not be written there: it is in the fallback
        used_fallback |= any(_stale(po, po.with_suffix(".mo"))
                             for po in directory.glob("*/LC_MESSAGES/*.po"))
    if used_fallback and str(fallback) not in directories:
        # Flask-Babel merges the directories in order, so the later fallback wins
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join([*directories, str(fallback)])


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", DEFAULT_TRANSLATION_DIRECTORIES)
    _prepare_catalogues(app)
    Babel(app, locale_selector=_locale)

    @app.context_processor
    def languages():
        return {"current_lang": _locale(), "languages": LANGUAGES}
