"""The dossier tracking book (engine/services/tracking_book.py): one line per dossier received
in the period, numbered in its yearly book as the receipt slip numbers it, with the dates it
went to the department, came back and was returned, and notes; the limits of a printed book."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from engine.calendar import VN_TZ
from engine.errors import InvalidInput
from engine.models import Dossier
from engine.services import apology
from engine.services.tracking_book import check_printable, tracking_book

from .helpers import advance, receive, user
from .test_handovers import local, returned_dossier


def utc(y, m, d, hh=10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=VN_TZ).astimezone(timezone.utc)


def book(sessions, start: date, end: date, **kwargs):
    with sessions() as session:
        found = tracking_book(session, start, end, **kwargs)
        return found, [(line.dossier.code, line.book, line.number) for line in found.lines]


def serial_by_counting(sessions, code: str) -> int:
    """The receipt slip's count: dossiers received the same year with an id up to this one."""
    with sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        year = dossier.received_at.astimezone(VN_TZ).year
        return session.execute(select(func.count()).select_from(Dossier).where(
            Dossier.received_at >= datetime(year, 1, 1, tzinfo=VN_TZ),
            Dossier.received_at < datetime(year + 1, 1, 1, tzinfo=VN_TZ),
            Dossier.id <= dossier.id)).scalar_one()


def test_lines_are_numbered_in_their_yearly_book(library):
    december = receive(library, utc(2025, 12, 30))
    january = receive(library, utc(2026, 1, 5))
    march_late = receive(library, utc(2026, 3, 10))
    march_early = receive(library, utc(2026, 3, 2))  # recorded after, received before
    _, lines = book(library, date(2025, 12, 1), date(2026, 3, 31))
    assert lines == [(december, "2025", 1), (january, "2026", 1), (march_late, "2026", 2),
                     (march_early, "2026", 3)]
    for code, _year, number in lines:
        assert number == serial_by_counting(library, code)
    found, march = book(library, date(2026, 3, 1), date(2026, 3, 31))
    assert march == lines[2:] and found.total == 2
    _, second_page = book(library, date(2025, 12, 1), date(2026, 3, 31), offset=2, limit=1)
    assert second_page == [lines[2]]


def test_a_line_says_when_it_went_came_back_and_was_returned(library):
    code = returned_dossier(library)
    found, _ = book(library, date(2026, 3, 4), date(2026, 3, 4))
    [line] = found.lines
    assert line.sent_at == local(4, 11)  # the hand-over opened the review
    assert line.back_at == local(20, 9, 15)  # the signature opened the return step
    assert line.returned_at == local(20, 10, 30)
    assert line.returned.recipient_name == "Nguyễn Văn An" and line.dossier.code == code
    assert [(n.kind, n.at) for n in line.notes] == [("supplement_requested", local(5, 10)),
                                                     ("supplemented", local(9, 9, 30))]


def test_refusals_and_apologies_are_noted(library):
    refused = receive(library, utc(2026, 3, 4))
    for username, outcome in [("officer", "handed_over"), ("specialist", "refuse"),
                              ("head", "agree"), ("leader", "sign")]:
        advance(library, refused, username, outcome, utc(2026, 3, 5))
    late = receive(library, utc(2026, 3, 4))
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == late)).scalar_one()
        apology.issue_apology(session, user(session, "officer"), utc(2026, 3, 18, 9),
                              dossier.id, reason="Chờ ý kiến Sở Xây dựng",
                              new_appointment_at=utc(2026, 3, 23, 8))
    found, _ = book(library, date(2026, 3, 4), date(2026, 3, 4))
    notes = {line.dossier.code: [(n.kind, n.until) for n in line.notes] for line in found.lines}
    assert notes[refused] == [("refused", None)]  # not returned yet
    assert notes[late] == [("apology", utc(2026, 3, 23, 8))]
    assert [line.sent_at for line in found.lines] == [utc(2026, 3, 5), None]


def test_a_printed_book_holds_a_quarter_and_5000_lines_at_most(library):
    check_printable(date(2026, 1, 1), date(2026, 4, 1), 5000)  # 91 days
    check_printable(date(2026, 7, 1), date(2026, 9, 30), 0)  # 92 days
    for start, end, total in [(date(2026, 1, 1), date(2026, 4, 3), 1),
                              (date(2026, 1, 1), date(2026, 1, 31), 5001)]:
        with pytest.raises(InvalidInput) as refused:
            check_printable(start, end, total)
        assert list(refused.value.details) == ["to"]
