"""Free meeting slots: hand-worked days, time zones, clock changes, buffers and a property test.

Dates: 2026-01-05 is a Monday; Europe/Berlin springs forward on Sunday 2026-03-29 (02:00 CET
-> 03:00 CEST) and falls back on Sunday 2026-10-25 (03:00 CEST -> 02:00 CET).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.meetings.slots import SlotRules, WorkingHours, business_days, free_slots, is_free_slot

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
MONDAY = date(2026, 1, 5)
SPRING_FORWARD = date(2026, 3, 29)
FALL_BACK = date(2026, 10, 25)

BERLIN_OFFICE = WorkingHours(time_zone="Europe/Berlin", days=WEEKDAYS, start=time(9), end=time(17))
NIGHT_DESK = WorkingHours(time_zone="Europe/Berlin", days=EVERY_DAY, start=time(1), end=time(5))
ONE_DAY = SlotRules(window_business_days=1)  # 30-min slots and step, 10-min buffer, 1 h notice


def local(zone: ZoneInfo, day: date, *walls: str) -> list[datetime]:
    """Wall times ("09:30") on `day` in `zone`, as UTC instants."""
    return [
        datetime.combine(day, time.fromisoformat(wall), tzinfo=zone).astimezone(UTC)
        for wall in walls
    ]


def berlin(day: date, wall: str) -> datetime:
    return local(BERLIN, day, wall)[0]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def walls(slots: list[datetime], zone: ZoneInfo) -> list[str]:
    return [slot.astimezone(zone).strftime("%H:%M") for slot in slots]


# -- a plain day -----------------------------------------------------------------------------


def test_a_free_day_offers_every_half_hour_from_nine_to_half_past_four():
    # given a Monday with nothing booked, asked before work
    now = berlin(MONDAY, "07:00")
    # when
    slots = free_slots(hours=BERLIN_OFFICE, rules=ONE_DAY, now=now, busy=[], holidays=())
    # then
    assert slots == local(
        BERLIN, MONDAY, *[f"{h:02}:{m:02}" for h in range(9, 17) for m in (0, 30)]
    )
    assert len(slots) == 16
    assert slots[0] == utc(2026, 1, 5, 8, 0)  # 09:00 CET
    assert slots[-1] == utc(2026, 1, 5, 15, 30)  # 16:30 CET, ends at closing time
    assert all(slot.tzinfo is UTC for slot in slots)


def test_a_meeting_blocks_the_slots_within_its_buffer():
    # given a meeting 11:00-12:00: 10:30 would end 11:00 (+10 min buffer), 12:00 starts 10 min
    # after it ends (needs the buffer before)
    busy = [(berlin(MONDAY, "11:00"), berlin(MONDAY, "12:00"))]
    # when
    slots = free_slots(
        hours=BERLIN_OFFICE, rules=ONE_DAY, now=berlin(MONDAY, "07:00"), busy=busy, holidays=()
    )
    # then
    assert walls(slots, BERLIN) == [
        "09:00", "09:30", "10:00",
        "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("busy_start", "busy_end", "ten_is_free"),
    [
        (utc(2026, 1, 5, 8, 20), utc(2026, 1, 5, 8, 50), True),  # ends 09:50 CET: at the edge
        (utc(2026, 1, 5, 8, 20), utc(2026, 1, 5, 8, 51), False),  # ends 09:51: a minute inside
        (utc(2026, 1, 5, 9, 40), utc(2026, 1, 5, 10, 0), True),  # starts 10:40: at the edge
        (utc(2026, 1, 5, 9, 39), utc(2026, 1, 5, 10, 0), False),  # starts 10:39: a minute inside
    ],
)
def test_busy_touching_the_buffer_edge_is_free_and_one_minute_inside_blocks(
    busy_start, busy_end, ten_is_free
):
    # given the 10:00-10:30 slot, whose buffered span is [09:50, 10:40) Berlin
    ten = berlin(MONDAY, "10:00")
    arguments = {
        "hours": BERLIN_OFFICE,
        "rules": ONE_DAY,
        "now": berlin(MONDAY, "07:00"),
        "busy": [(busy_start, busy_end)],
        "holidays": (),
    }
    # when / then
    assert (ten in free_slots(**arguments)) is ten_is_free
    assert is_free_slot(start=ten, **arguments) is ten_is_free


def test_busy_blocks_may_be_in_any_zone_unsorted_overlapping_or_empty():
    busy = [
        (datetime(2026, 1, 5, 9, 0, tzinfo=NEW_YORK), datetime(2026, 1, 5, 9, 30, tzinfo=NEW_YORK)),
        (berlin(MONDAY, "09:00"), berlin(MONDAY, "09:20")),
        (berlin(MONDAY, "09:10"), berlin(MONDAY, "09:40")),  # overlaps the one before
        (berlin(MONDAY, "13:00"), berlin(MONDAY, "13:00")),  # empty: blocks nothing
    ]
    # NY 09:00-09:30 EST is 15:00-15:30 Berlin: blocks 14:30, 15:00, 15:30
    slots = free_slots(
        hours=BERLIN_OFFICE, rules=ONE_DAY, now=berlin(MONDAY, "07:00"), busy=busy, holidays=()
    )
    assert walls(slots, BERLIN) == [
        "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "14:00", "16:00",
        "16:30",
    ]  # fmt: skip


def test_naive_datetimes_are_refused():
    naive = berlin(MONDAY, "07:00").replace(tzinfo=None)  # deliberately without a zone
    with pytest.raises(ValueError, match="aware"):
        free_slots(hours=BERLIN_OFFICE, rules=ONE_DAY, now=naive, busy=[], holidays=())
    with pytest.raises(ValueError, match="aware"):
        free_slots(
            hours=BERLIN_OFFICE,
            rules=ONE_DAY,
            now=berlin(MONDAY, "07:00"),
            busy=[(naive, naive + timedelta(hours=1))],
            holidays=(),
        )


def test_working_hours_and_rules_check_themselves():
    with pytest.raises(ValueError, match="end after"):
        WorkingHours(time_zone="Europe/Berlin", days=WEEKDAYS, start=time(17), end=time(9))
    with pytest.raises(ValueError, match="time zone"):
        WorkingHours(time_zone="Mars/Olympus", days=WEEKDAYS, start=time(9), end=time(17))
    with pytest.raises(ValueError, match="weekday"):
        WorkingHours(time_zone="UTC", days=frozenset({7}), start=time(9), end=time(17))
    with pytest.raises(ValueError, match="positive"):
        SlotRules(step_minutes=0)


# -- notice and limit ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now_wall", "first"),
    [
        ("09:00", "10:00"),  # exactly the notice ahead is enough
        ("09:05", "10:30"),  # 10:05 is the earliest start: next grid start is 10:30
        ("15:31", None),  # nothing left today once 16:30 is less than an hour away
    ],
)
def test_slots_start_at_least_the_notice_after_now(now_wall, first):
    slots = free_slots(
        hours=BERLIN_OFFICE, rules=ONE_DAY, now=berlin(MONDAY, now_wall), busy=[], holidays=()
    )
    assert walls(slots, BERLIN)[:1] == ([first] if first else [])


def test_limit_stops_after_that_many_slots():
    arguments = {
        "hours": BERLIN_OFFICE,
        "rules": SlotRules(),
        "now": berlin(MONDAY, "16:00"),
        "busy": [],
        "holidays": (),
    }
    assert free_slots(limit=3, **arguments) == local(
        BERLIN, MONDAY + timedelta(1), "09:00", "09:30", "10:00"
    )
    assert free_slots(limit=3, **arguments) == free_slots(**arguments)[:3]
    assert free_slots(limit=0, **arguments) == []


# -- time zones ------------------------------------------------------------------------------

NEW_YORK_OFFICE = WorkingHours(
    time_zone="America/New_York", days=WEEKDAYS, start=time(9), end=time(17)
)


def test_a_rep_in_new_york_is_offered_new_york_hours():
    # given 13:00 UTC, which is 08:00 EST on Monday
    slots = free_slots(
        hours=NEW_YORK_OFFICE, rules=ONE_DAY, now=utc(2026, 1, 5, 13, 0), busy=[], holidays=()
    )
    assert len(slots) == 16
    assert slots[0] == utc(2026, 1, 5, 14, 0)  # 09:00 EST
    assert slots[-1] == utc(2026, 1, 5, 21, 30)  # 16:30 EST


def test_today_is_the_reps_date_not_the_utc_date():
    # given 03:00 UTC on Tuesday, which is still 22:00 on Monday in New York
    now = utc(2026, 1, 6, 3, 0)
    # then Monday is today and counts in the window, though nothing is left of it
    today = now.astimezone(NEW_YORK).date()
    assert business_days(
        hours=NEW_YORK_OFFICE, rules=SlotRules(window_business_days=2), today=today, holidays=()
    ) == [
        date(2026, 1, 5),
        date(2026, 1, 6),
    ]
    assert free_slots(hours=NEW_YORK_OFFICE, rules=ONE_DAY, now=now, busy=[], holidays=()) == []
    two_days = free_slots(
        hours=NEW_YORK_OFFICE,
        rules=SlotRules(window_business_days=2),
        now=now,
        busy=[],
        holidays=(),
    )
    assert two_days[0] == utc(2026, 1, 6, 14, 0)
    assert len(two_days) == 16


# -- the window: weekends and holidays -------------------------------------------------------


def test_holidays_are_skipped_and_the_window_still_counts_business_days():
    # given Friday, and Monday a holiday
    friday, monday = date(2026, 1, 9), date(2026, 1, 12)
    rules = SlotRules(window_business_days=3)
    # when
    days = business_days(hours=BERLIN_OFFICE, rules=rules, today=friday, holidays={monday})
    slots = free_slots(
        hours=BERLIN_OFFICE,
        rules=rules,
        now=berlin(friday, "07:00"),
        busy=[],
        holidays={monday},
    )
    # then
    assert days == [friday, date(2026, 1, 13), date(2026, 1, 14)]
    assert sorted({slot.astimezone(BERLIN).date() for slot in slots}) == days
    assert len(slots) == 3 * 16


def test_weekends_are_skipped():
    saturday = date(2026, 1, 10)
    rules = SlotRules(window_business_days=2)
    assert business_days(hours=BERLIN_OFFICE, rules=rules, today=saturday, holidays=()) == [
        date(2026, 1, 12),
        date(2026, 1, 13),
    ]
    slots = free_slots(
        hours=BERLIN_OFFICE, rules=rules, now=berlin(saturday, "10:00"), busy=[], holidays=()
    )
    assert slots[0] == berlin(date(2026, 1, 12), "09:00")
    assert len(slots) == 32


def test_no_working_days_means_no_business_days():
    hours = WorkingHours(time_zone="UTC", days=frozenset(), start=time(9), end=time(17))
    assert business_days(hours=hours, rules=SlotRules(), today=MONDAY, holidays=()) == []


# -- daylight-saving change days -------------------------------------------------------------


def test_spring_forward_skips_the_wall_times_that_do_not_exist():
    # given a night desk 01:00-05:00, asked on Saturday evening (23:00 CET)
    now = utc(2026, 3, 28, 22, 0)
    # when
    slots = free_slots(
        hours=NIGHT_DESK, rules=SlotRules(window_business_days=2), now=now, busy=[], holidays=()
    )
    # then 02:00 and 02:30 do not exist on Sunday
    assert walls(slots, BERLIN) == ["01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert slots == [utc(2026, 3, 29, hour, minute) for hour in (0, 1, 2) for minute in (0, 30)]


def test_fall_back_offers_the_repeated_hour_once_at_its_first_occurrence():
    # given the night desk, asked on Saturday evening (22:00 CEST)
    now = utc(2026, 10, 24, 20, 0)
    # when
    slots = free_slots(
        hours=NIGHT_DESK, rules=SlotRules(window_business_days=2), now=now, busy=[], holidays=()
    )
    # then 02:00 and 02:30 come once, in summer time, and nothing is duplicated
    assert walls(slots, BERLIN) == [
        "01:00", "01:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30",
    ]  # fmt: skip
    assert slots == [
        utc(2026, 10, 24, 23, 0),
        utc(2026, 10, 24, 23, 30),
        utc(2026, 10, 25, 0, 0),  # 02:00 CEST
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 2, 0),  # 03:00 CET: the second 02:00-03:00 is not offered again
        utc(2026, 10, 25, 2, 30),
        utc(2026, 10, 25, 3, 0),
        utc(2026, 10, 25, 3, 30),
    ]
    assert [slot.astimezone(BERLIN).utcoffset() for slot in slots[2:4]] == [timedelta(hours=2)] * 2


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK])
def test_a_nine_to_five_day_on_a_clock_change_still_has_sixteen_slots(day):
    hours = WorkingHours(time_zone="Europe/Berlin", days=EVERY_DAY, start=time(9), end=time(17))
    slots = free_slots(hours=hours, rules=ONE_DAY, now=berlin(day, "06:00"), busy=[], holidays=())
    assert len(slots) == 16
    assert walls(slots, BERLIN)[0] == "09:00"
    assert walls(slots, BERLIN)[-1] == "16:30"


def test_a_slot_across_the_jump_is_measured_in_real_time():
    # given 90-minute slots in 01:00-03:30 on the spring-forward night
    hours = WorkingHours(time_zone="Europe/Berlin", days=EVERY_DAY, start=time(1), end=time(3, 30))
    rules = SlotRules(length_minutes=90, window_business_days=2)
    # when
    slots = free_slots(hours=hours, rules=rules, now=utc(2026, 3, 28, 22), busy=[], holidays=())
    # then 01:00 CET + 90 min is 03:30 CEST; 01:30 CET + 90 min is 04:00 CEST, past closing,
    # though the wall clock alone (01:30 + 1:30 = 03:00) would have let it through
    assert slots == [utc(2026, 3, 29, 0, 0)]


def test_a_day_ending_inside_the_gap_closes_when_the_clocks_jump():
    # given a desk closing at 02:30, a wall time that does not exist on 2026-03-29
    hours = WorkingHours(time_zone="Europe/Berlin", days=EVERY_DAY, start=time(1), end=time(2, 30))
    # when
    slots = free_slots(
        hours=hours,
        rules=SlotRules(window_business_days=2),
        now=utc(2026, 3, 28, 22),
        busy=[],
        holidays=(),
    )
    # then 01:30 CET runs to the jump (03:00 CEST), every later instant reads after 02:30
    assert slots == [utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 0, 30)]


# -- is_free_slot ----------------------------------------------------------------------------


def test_is_free_slot_refuses_off_grid_late_and_out_of_window_starts():
    arguments = {
        "hours": BERLIN_OFFICE,
        "rules": SlotRules(window_business_days=2),
        "now": berlin(MONDAY, "07:00"),
        "busy": [],
        "holidays": (),
    }
    assert is_free_slot(start=berlin(MONDAY, "09:00"), **arguments)
    assert is_free_slot(start=datetime(2026, 1, 5, 3, 0, tzinfo=NEW_YORK), **arguments)  # 09:00 CET
    assert not is_free_slot(start=berlin(MONDAY, "09:15"), **arguments)  # off the grid
    assert not is_free_slot(start=berlin(MONDAY, "16:45"), **arguments)  # would end after 17:00
    assert not is_free_slot(start=berlin(MONDAY, "08:30"), **arguments)  # before opening
    assert not is_free_slot(start=berlin(date(2026, 1, 7), "09:00"), **arguments)  # 3rd day


@pytest.mark.parametrize(
    ("hours", "now", "holidays"),
    [
        (BERLIN_OFFICE, berlin(MONDAY, "10:07"), {date(2026, 1, 7)}),
        (NIGHT_DESK, utc(2026, 3, 26, 12, 0), set()),
        (NIGHT_DESK, utc(2026, 10, 22, 12, 0), {date(2026, 10, 24)}),
    ],
)
def test_is_free_slot_agrees_with_free_slots_over_a_whole_week(hours, now, holidays):
    # given some meetings over the next days
    rules = SlotRules()
    busy = [
        (now + timedelta(hours=offset), now + timedelta(hours=offset, minutes=length))
        for offset, length in [(2, 45), (14, 90), (26, 20), (40, 180), (61, 30), (85, 5)]
    ]
    offered = set(free_slots(hours=hours, rules=rules, now=now, busy=busy, holidays=holidays))
    assert offered
    # when every 5-minute instant of the next nine days is checked on its own
    moment = now.replace(minute=0, second=0, microsecond=0)
    for _ in range(9 * 24 * 12):
        # then it is free exactly when free_slots offered it
        free = is_free_slot(
            start=moment, hours=hours, rules=rules, now=now, busy=busy, holidays=holidays
        )
        assert free is (moment in offered), moment
        moment += timedelta(minutes=5)


# -- property: the slots are exactly the grid starts the rules allow -------------------------

SCENARIOS = [
    # (working hours, a moment the random `now` is taken after)
    (BERLIN_OFFICE, utc(2026, 1, 5, 6, 0)),
    (NIGHT_DESK, utc(2026, 3, 26, 0, 0)),
    (NIGHT_DESK, utc(2026, 10, 22, 0, 0)),
    # closes soon after the jump, so long slots that cross it run past closing time
    (WorkingHours("Europe/Berlin", EVERY_DAY, time(1), time(3, 30)), utc(2026, 3, 26, 0, 0)),
    # New York springs forward at 02:00 on 2026-03-08 and falls back on 2026-11-01
    (WorkingHours("America/New_York", EVERY_DAY, time(0, 30), time(4)), utc(2026, 3, 5, 12)),
    (WorkingHours("America/New_York", EVERY_DAY, time(0, 30), time(4)), utc(2026, 10, 29, 12)),
]


def _grid_by_the_rules(
    hours: WorkingHours, rules: SlotRules, now: datetime, busy, holidays
) -> tuple[list[datetime], list[datetime]]:
    """Every existing grid start in the window, and those the rules call free, the slow way.

    The scenarios' working days never end inside a clock gap, so closing time is plain.
    """
    zone = ZoneInfo(hours.time_zone)
    length, buffer = (
        timedelta(minutes=rules.length_minutes),
        timedelta(minutes=rules.buffer_minutes),
    )
    grid: list[datetime] = []
    free: list[datetime] = []
    today = now.astimezone(zone).date()
    for day in business_days(hours=hours, rules=rules, today=today, holidays=holidays):
        closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
        minute = hours.start.hour * 60 + hours.start.minute
        while minute + rules.length_minutes <= hours.end.hour * 60 + hours.end.minute:
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            start = wall.replace(tzinfo=zone).astimezone(UTC)
            minute += rules.step_minutes
            if start.astimezone(zone).replace(tzinfo=None) != wall:
                continue  # skipped by the clocks
            grid.append(start)
            clear = not any(
                b_start < start + length + buffer and b_end > start - buffer
                for b_start, b_end in busy
                if b_end > b_start
            )
            if (
                clear
                and start + length <= closes
                and start >= now + timedelta(minutes=rules.notice_minutes)
            ):
                free.append(start)
    return grid, free


@st.composite
def busy_blocks(draw: st.DrawFn, base: datetime) -> list[tuple[datetime, datetime]]:
    blocks = []
    for _ in range(draw(st.integers(0, 16))):
        start = base + timedelta(minutes=draw(st.integers(0, 6 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(0, 600)))
        zone = draw(st.sampled_from([UTC, BERLIN, NEW_YORK]))
        blocks.append((start.astimezone(zone), (start + length).astimezone(zone)))
    return blocks


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_free_slots_are_exactly_the_grid_starts_the_rules_allow(data):
    # given random rules, a random moment near a clock change, random meetings and holidays
    hours, base = data.draw(st.sampled_from(SCENARIOS))
    rules = SlotRules(
        length_minutes=data.draw(st.sampled_from([15, 30, 45, 60, 90])),
        buffer_minutes=data.draw(st.sampled_from([0, 5, 10, 15])),
        notice_minutes=data.draw(st.sampled_from([0, 60, 240])),
        window_business_days=data.draw(st.integers(1, 5)),
        step_minutes=data.draw(st.sampled_from([15, 30, 60])),
    )
    now = base + timedelta(seconds=data.draw(st.integers(0, 4 * 24 * 3600)))
    busy = data.draw(busy_blocks(base))
    holidays = data.draw(st.sets(st.sampled_from([base.date() + timedelta(n) for n in range(10)])))
    # when
    offered = free_slots(hours=hours, rules=rules, now=now, busy=busy, holidays=holidays)
    # then every offered slot is free by the rules and every other grid start is not
    grid, free = _grid_by_the_rules(hours, rules, now, busy, holidays)
    assert offered == free
    assert all(slot.tzinfo is UTC for slot in offered)
    for start in grid:
        expected = start in free
        assert (
            is_free_slot(
                start=start, hours=hours, rules=rules, now=now, busy=busy, holidays=holidays
            )
            is expected
        )
        # one minute off the grid is never a slot
        assert not is_free_slot(
            start=start + timedelta(minutes=1),
            hours=hours,
            rules=rules,
            now=now,
            busy=busy,
            holidays=holidays,
        )
