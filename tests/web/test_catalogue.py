"""The Vietnamese catalogue translates every message the interface uses (the default locale
is Vietnamese: an untranslated msgid would show English to an officer)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "web/translations/vi/LC_MESSAGES/messages.po"
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _used() -> dict[str, str]:
    """msgid -> the first file using it."""
    used: dict[str, str] = {}
    for file, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        used.setdefault(message if isinstance(message, str) else message[0], file)
    return used


def test_every_message_has_a_vietnamese_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="vi")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue
                  if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple)
                                               else m.string)}
    used = _used()
    assert len(used) > 500
    missing = sorted(f"{file}: {message}" for message, file in used.items()
                     if message not in translated)
    assert missing == [], "translate these in messages.po (see babel.cfg)"
