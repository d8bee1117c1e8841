"""Business calendar: dates checked by hand against holidays 0.108 (VN) and the rules."""

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import BusinessCalendar, DayOverride, Due

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OVERRIDES = [
    DayOverride(date(2026, 1, 2), "off", "Day off in exchange for Saturday 10 January"),
    DayOverride(date(2026, 1, 10), "work", "Saturday worked in exchange for 2 January"),
]
CAL = BusinessCalendar(OVERRIDES)
PLAIN = BusinessCalendar()


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm)


# --- working days -----------------------------------------------------------


def test_tet_2025_as_the_holidays_package_has_it():
    # holidays 0.108: 27 Jan ("29 of Lunar New Year") to 1 Feb, then Sunday 2 Feb
    for d in range(27, 32):
        assert not CAL.is_working_day(date(2025, 1, d))
    assert not CAL.is_working_day(date(2025, 2, 1))
    assert not CAL.is_working_day(date(2025, 2, 2))
    assert CAL.is_working_day(date(2025, 1, 24))
    assert CAL.is_working_day(date(2025, 2, 3))
    assert CAL.day_off_reason(date(2025, 1, 29)) == "Lunar New Year"
    assert CAL.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)


def test_tet_2026():
    assert [CAL.is_working_day(date(2026, 2, d)) for d in range(13, 24)] == [
        True, False, False,  # Fri 13, weekend
        False, False, False, False, False,  # 16-20 Tết
        False, False, True,  # weekend, Mon 23
    ]  # fmt: skip
    assert CAL.day_off_reason(date(2026, 2, 16)) == "Lunar New Year's Eve"


@pytest.mark.parametrize(
    "worked, off",
    [
        (date(2024, 5, 4), date(2024, 4, 29)),
        (date(2025, 4, 26), date(2025, 5, 2)),
        (date(2026, 8, 22), date(2026, 8, 31)),
    ],
)
def test_swapped_saturdays(worked, off):
    assert worked.weekday() == 5
    assert PLAIN.is_working_day(worked)
    assert PLAIN.day_off_reason(worked) is None
    assert not PLAIN.is_working_day(off)
    assert "substituted" in PLAIN.day_off_reason(off)


def test_national_day_and_adjacent_day():
    assert not PLAIN.is_working_day(date(2025, 9, 1))
    assert not PLAIN.is_working_day(date(2025, 9, 2))
    assert PLAIN.is_working_day(date(2025, 9, 3))
    assert not PLAIN.is_working_day(date(2026, 9, 1))
    assert not PLAIN.is_working_day(date(2026, 9, 2))
    assert PLAIN.day_off_reason(date(2026, 9, 2)) == "National Day"


def test_weekend_reasons_and_plain_days():
    assert PLAIN.day_off_reason(date(2026, 3, 7)) == "Saturday"
    assert PLAIN.day_off_reason(date(2026, 3, 8)) == "Sunday"
    assert PLAIN.day_off_reason(date(2026, 3, 9)) is None
    assert PLAIN.working_day_on_or_after(date(2026, 3, 9)) == date(2026, 3, 9)
    assert PLAIN.working_day_on_or_after(date(2026, 3, 7)) == date(2026, 3, 9)


def test_organisation_overrides_win():
    assert PLAIN.is_working_day(date(2026, 1, 2))  # the package lacks the announcement
    assert not PLAIN.is_working_day(date(2026, 1, 10))
    assert not CAL.is_working_day(date(2026, 1, 2))
    assert CAL.day_off_reason(date(2026, 1, 2)) == OVERRIDES[0].reason
    assert CAL.is_working_day(date(2026, 1, 10))
    # an override can also cancel a package holiday (an unconfirmed Culture Day)
    cal = BusinessCalendar([DayOverride(date(2026, 11, 24), "work", "not confirmed")])
    assert not PLAIN.is_working_day(date(2026, 11, 24))
    assert cal.is_working_day(date(2026, 11, 24))


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert CAL.working_days_between(date(2026, 1, 1), date(2026, 1, 11)) == 6  # 5-9 and Sat 10
    assert CAL.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert CAL.working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == 0


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least 1"):
        CAL.due(at(2026, 3, 2), 0)
    with pytest.raises(TypeError):
        CAL.due(at(2026, 3, 2), 1.5)
    with pytest.raises(TypeError):
        CAL.is_working_day(at(2026, 3, 2))
    with pytest.raises(ValueError):
        DayOverride(date(2026, 1, 2), "holiday", "x")
    with pytest.raises(ValueError):
        BusinessCalendar(work_periods=((time(13), time(17)), (time(8), time(12))))


# --- receipt and due dates --------------------------------------------------


def test_receipt_after_closing_on_friday_counts_from_monday():
    due = CAL.due(at(2026, 3, 6, 17, 30), 3)
    assert due.received_day == date(2026, 3, 9)
    assert due.date == date(2026, 3, 12)
    assert due.time == time(8)
    assert due.notes == ["received after 17:00: counts as received on 2026-03-09"]
    assert CAL.receipt_day(at(2026, 3, 6, 17, 0)) == date(2026, 3, 6)  # at closing: same day


def test_receipt_on_a_weekend_and_on_an_override_day():
    assert CAL.receipt_day(at(2026, 3, 7, 9)) == date(2026, 3, 9)
    due = CAL.due(at(2026, 1, 2, 9), 5)
    assert due.received_day == date(2026, 1, 5)
    assert due.date == date(2026, 1, 10)  # the Saturday worked counts
    assert "non-working day" in due.notes[0]


def test_earlier_cutoff_and_timezones():
    cal = BusinessCalendar(cutoff=time(15))
    assert cal.receipt_day(at(2026, 3, 6, 15, 1)) == date(2026, 3, 9)
    assert cal.receipt_day(at(2026, 3, 6, 15, 0)) == date(2026, 3, 6)
    # 10:30 UTC on Friday is 17:30 in Hanoi: after closing
    utc = datetime(2026, 3, 6, 10, 30, tzinfo=timezone.utc)
    assert PLAIN.receipt_day(utc) == date(2026, 3, 9)


def test_due_across_tet_2026_with_explanation():
    due = CAL.due(at(2026, 2, 10, 9, 15), 5)
    assert due.date == date(2026, 2, 24)  # 11, 12, 13, 23, 24
    assert due.time == time(9, 15)
    assert due.appointment_at == datetime(2026, 2, 24, 9, 15, tzinfo=VN)
    lines = CAL.explain(due)
    assert lines[0] == "2026-02-24"
    assert "2026-02-16 skipped: Lunar New Year's Eve" in lines
    assert len(due.skipped) == 9  # two weekends and five days of Tết


def test_due_across_tet_2025_and_2_september():
    assert CAL.due(at(2025, 1, 24), 3).date == date(2025, 2, 5)
    due = CAL.due(at(2026, 8, 28, 14, 5), 3)
    assert due.date == date(2026, 9, 7)  # 31 Aug, 1-2 Sep off
    assert [d for d, _ in due.skipped][:5] == [date(2026, 8, 29) + timedelta(i) for i in range(5)]


def test_lunch_break_receipt_gets_opening_time():
    assert CAL.due(at(2026, 3, 9, 12, 30), 1).time == time(8)
    assert CAL.due(at(2026, 3, 9, 7, 45), 1).time == time(8)
    assert CAL.due(at(2026, 3, 9, 7, 45), 1).received_day == date(2026, 3, 9)


def test_calendar_day_period_ending_on_a_sunday():
    due = CAL.due(at(2026, 2, 27), 9, calendar_days=True)
    assert due.date == date(2026, 3, 9)
    assert due.skipped == [(date(2026, 3, 8), "Sunday")]
    assert due.notes == ["period ends on 2026-03-08, a non-working day: moved to 2026-03-09"]
    # weekends inside a calendar-day period count and are not listed
    assert CAL.due(at(2026, 3, 2), 10, calendar_days=True).date == date(2026, 3, 12)
    assert CAL.due(at(2026, 3, 2), 10, calendar_days=True).skipped == []


# --- stop the clock ---------------------------------------------------------


def test_one_pause():
    due = CAL.due_after_pause(at(2026, 3, 2), 10, date(2026, 3, 5), date(2026, 3, 12))
    assert due.date == date(2026, 3, 23)  # 3 used; 7 from 13 March
    assert "3 of 10 working days used, 7 remaining" in due.notes[0]
    assert CAL.due(at(2026, 3, 2), 10).date == date(2026, 3, 16)


def test_two_pauses_and_a_pause_over_tet():
    pauses = [(date(2026, 3, 5), date(2026, 3, 12)), (date(2026, 3, 16), date(2026, 3, 20))]
    due = CAL.due_with_pauses(at(2026, 3, 2), 10, pauses)
    assert due.date == date(2026, 3, 27)
    assert len(due.notes) == 2 and "5 of 10 working days used, 5 remaining" in due.notes[1]
    due = CAL.due_after_pause(at(2026, 2, 9), 5, date(2026, 2, 11), date(2026, 2, 24))
    assert due.date == date(2026, 2, 27)  # 10 and 11 used; 25, 26, 27 remain
    assert due.skipped == []  # Tết fell inside the pause: nothing was passed over


def test_restart():
    due = CAL.due_after_pause(
        at(2026, 3, 2), 10, date(2026, 3, 5), date(2026, 3, 12), restart=True
    )
    assert due.date == date(2026, 3, 26)
    assert "the period restarts" in due.notes[0]


def test_pause_that_uses_every_day_leaves_one():
    due = CAL.due_after_pause(at(2026, 3, 2), 3, date(2026, 3, 5), date(2026, 3, 10))
    assert due.date == date(2026, 3, 11)
    assert "none left" in due.notes[0]


def test_request_after_the_due_date_does_not_stop_the_clock():
    due = CAL.due_after_pause(at(2026, 3, 2), 3, date(2026, 3, 6), date(2026, 3, 10))
    assert due.date == date(2026, 3, 5)
    assert "the clock was not stopped" in due.notes[0]


def test_pauses_out_of_order_are_rejected():
    with pytest.raises(ValueError):
        CAL.due_after_pause(at(2026, 3, 2), 10, date(2026, 3, 5), date(2026, 3, 4))
    with pytest.raises(ValueError):
        CAL.due_after_pause(at(2026, 3, 2), 10, date(2026, 2, 27), date(2026, 3, 4))


def test_calendar_day_pause():
    due = CAL.due_with_pauses(
        at(2026, 3, 2), 10, [(date(2026, 3, 4), date(2026, 3, 9))], calendar_days=True
    )
    assert due.date == date(2026, 3, 17)  # 2 used; 9 + 8 = 17


# --- working time -----------------------------------------------------------


@pytest.mark.parametrize(
    "start, amount, end",
    [
        (at(2026, 3, 9, 8), 0.5, at(2026, 3, 9, 12)),  # ends at lunch, not after it
        (at(2026, 3, 9, 10), 0.5, at(2026, 3, 9, 15)),  # across lunch
        (at(2026, 3, 9, 12, 30), Decimal("0.25"), at(2026, 3, 9, 15)),  # starts at 13:00
        (at(2026, 3, 9, 16), 0.5, at(2026, 3, 10, 11)),  # across the evening
        (at(2026, 3, 9, 19), 1, at(2026, 3, 10, 17)),  # starts next morning
        (at(2026, 3, 6, 15), 1, at(2026, 3, 9, 15)),  # across a weekend
        (at(2026, 2, 13, 15), 0.5, at(2026, 2, 23, 10)),  # across Tết 2026
        (at(2026, 2, 13, 11), Decimal("1.5"), at(2026, 2, 23, 16)),
    ],
)
def test_add_working_time(start, amount, end):
    assert CAL.add_working_time(start, amount) == end.replace(tzinfo=VN)


def test_working_hours_between():
    assert CAL.working_hours_between(at(2026, 2, 13, 15), at(2026, 2, 23, 10)) == 4.0
    assert CAL.working_hours_between(at(2026, 3, 9, 11), at(2026, 3, 9, 14)) == 2.0
    assert CAL.working_hours_between(at(2026, 3, 9, 14), at(2026, 3, 9, 11)) == -2.0
    assert CAL.working_hours_between(at(2026, 3, 7, 9), at(2026, 3, 8, 16)) == 0.0
    with pytest.raises(ValueError):
        CAL.add_working_time(at(2026, 3, 9), -1)


def test_custom_work_periods():
    cal = BusinessCalendar(work_periods=((time(7, 30), time(11, 30)), (time(13), time(16, 30))))
    assert cal.add_working_time(at(2026, 3, 9, 7, 30), 1) == datetime(2026, 3, 9, 16, 30, tzinfo=VN)
    assert cal.due(at(2026, 3, 9, 16, 45), 1).received_day == date(2026, 3, 10)


# --- early, on time, late ---------------------------------------------------


def test_classify():
    due = date(2026, 3, 12)
    assert CAL.classify(at(2026, 3, 11, 16), due) == "early"
    assert CAL.classify(at(2026, 3, 12, 23, 59), due) == "on_time"
    assert CAL.classify(at(2026, 3, 13, 0, 1), due) == "late"
    # 18:00 UTC on the 11th is 01:00 on the 12th in Hanoi
    assert CAL.classify(datetime(2026, 3, 11, 18, tzinfo=timezone.utc), due) == "on_time"


# --- properties -------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31))
periods = st.integers(min_value=1, max_value=40)
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(moments, periods, st.booleans())
def test_due_date_is_always_a_working_day(received, days, calendar_days):
    due = CAL.due(received, days, calendar_days=calendar_days)
    assert CAL.is_working_day(due.date)
    assert due.date > due.received_day
    assert all(not CAL.is_working_day(d) for d, _ in due.skipped)


@FAST
@given(moments, periods)
def test_working_day_period_counts_exactly_n(received, days):
    due = CAL.due(received, days)
    assert CAL.working_days_between(due.received_day, due.date) == days


@FAST
@given(moments, periods, periods, st.booleans())
def test_more_days_never_earlier(received, a, b, calendar_days):
    lo, hi = sorted((a, b))
    assert (
        CAL.due(received, lo, calendar_days=calendar_days).date
        <= CAL.due(received, hi, calendar_days=calendar_days).date
    )


@FAST
@given(
    moments,
    periods,
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=30),
    st.booleans(),
)
def test_pause_never_earlier(received, days, request_after, pause_length, restart):
    plain = CAL.due(received, days)
    requested = plain.received_day + timedelta(days=request_after)
    resubmitted = requested + timedelta(days=pause_length)
    paused = CAL.due_after_pause(received, days, requested, resubmitted, restart=restart)
    assert paused.date >= plain.date
    assert CAL.is_working_day(paused.date)


@FAST
@given(moments, st.integers(min_value=1, max_value=40))
def test_working_time_round_trip(start, half_days):
    end = CAL.add_working_time(start, Decimal(half_days) / 2)
    assert CAL.working_hours_between(start, end) == pytest.approx(half_days * 4)


def test_due_is_frozen():
    due = CAL.due(at(2026, 3, 2), 1)
    assert isinstance(due, Due)
    with pytest.raises(AttributeError):
        due.date = date(2026, 1, 1)
