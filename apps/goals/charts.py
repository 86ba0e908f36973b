"""Server-drawn SVG charts: geometry computed here, markup in the template.

A goal's line through its quarter: x is the day (a nightly snapshot sits at the end of its day,
the same convention as the pace: day 46 of 92 is 46/92 of the way), y is the actual, with the
pace line (cumulative metrics) or the target line (rates and averages) behind it. The template
only places the numbers computed here, so a chart needs no JavaScript and no extra query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

WIDTH = 360
HEIGHT = 150
LEFT = 44  # room for the y labels
RIGHT = 12
TOP = 12
BOTTOM = 24  # room for the month labels
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ChartPoint:
    on: date
    value: Decimal | None
    text: str
    x: float
    y: float | None


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    actual_path: str
    area_path: str
    target_path: str
    target_label: str
    target_label_y: float
    today_x: float | None
    last: ChartPoint | None
    points: tuple[ChartPoint, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    summary: str


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5, 5 or 10 times a power of ten that is >= value (1 for value <= 0)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()  # floor(log10(value)) for a positive Decimal
    scale = Decimal(10) ** exponent
    for step in NICE_STEPS:
        if step * scale >= value:
            return (step * scale).normalize()
    return (Decimal(10) * scale).normalize()  # unreachable: 10 * scale > value by construction


def compact(value: Decimal) -> str:
    """Axis labels: 950, 1.5k, 20k, 1.2M; keeps one decimal only where it says something."""
    magnitude = abs(value)
    for limit, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if magnitude >= limit:
            return f"{_trim(value / limit)}{suffix}"
    return _trim(value)


def _trim(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.1"))
    return f"{rounded:f}".removesuffix(".0")


def _fmt(number: float) -> str:
    return f"{number:.1f}"


def goal_chart(
    *,
    points: Sequence[tuple[date, Decimal | None]],
    starts_on: date,
    ends_on: date,
    target: Decimal,
    cumulative: bool,
    today: date,
    label: str,
    format_value: Callable[[Decimal | None], str],
) -> LineChart:
    """Geometry of one goal's chart. `points` are (day, actual) snapshot pairs in day order; a
    None actual (nothing to divide by that day) breaks the line instead of drawing a zero."""
    total_days = (ends_on - starts_on).days + 1
    right = float(WIDTH - RIGHT)
    bottom = float(HEIGHT - BOTTOM)
    plot_width = right - LEFT
    plot_height = bottom - TOP
    values = [value for _, value in points if value is not None]
    top_value = nice_ceiling(max([target, *values]) * Decimal("1.05"))

    def x_at(day_end: int) -> float:
        return LEFT + plot_width * day_end / total_days

    def y_at(value: Decimal) -> float:
        return bottom - plot_height * float(value / top_value)

    chart_points = tuple(
        ChartPoint(
            on=day,
            value=value,
            text=format_value(value),
            x=x_at((day - starts_on).days + 1),
            y=None if value is None else y_at(value),
        )
        for day, value in points
        if starts_on <= day <= ends_on
    )
    segments: list[list[ChartPoint]] = [[]]
    for point in chart_points:
        if point.y is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append(point)
    drawn = [segment for segment in segments if segment]
    actual_path = " ".join(
        "M" + " L".join(f"{_fmt(p.x)} {_fmt(p.y or 0.0)}" for p in segment) for segment in drawn
    )
    area_path = " ".join(
        f"M{_fmt(segment[0].x)} {_fmt(bottom)} "
        + " ".join(f"L{_fmt(p.x)} {_fmt(p.y or 0.0)}" for p in segment)
        + f" L{_fmt(segment[-1].x)} {_fmt(bottom)} Z"
        for segment in drawn
    )
    target_y = y_at(target)
    if cumulative:
        target_path = f"M{_fmt(LEFT)} {_fmt(bottom)} L{_fmt(right)} {_fmt(target_y)}"
        target_label = f"Pace to {format_value(target)}"
    else:
        target_path = f"M{_fmt(LEFT)} {_fmt(target_y)} L{_fmt(right)} {_fmt(target_y)}"
        target_label = f"Target {format_value(target)}"
    today_x = x_at((today - starts_on).days + 1) if starts_on <= today <= ends_on else None
    last = drawn[-1][-1] if drawn else None
    y_ticks = tuple(
        Tick(position=y_at(value), label=compact(value))
        for value in (Decimal(0), top_value / 2, top_value)
    )
    summary = f"{label} by day through the quarter, with the {target_label.lower()}"
    if last is not None:
        summary += f"; {last.text} on {last.on:%-d %b}"
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        actual_path=actual_path,
        area_path=area_path,
        target_path=target_path,
        target_label=target_label,
        target_label_y=max(target_y - 5, TOP + 8.0),
        today_x=today_x,
        last=last,
        points=chart_points,
        y_ticks=y_ticks,
        x_ticks=_month_ticks(starts_on, ends_on, x_at),
        summary=summary,
    )


def _month_ticks(starts_on: date, ends_on: date, x_at: Callable[[int], float]) -> tuple[Tick, ...]:
    """One label at the start of each month the quarter touches (the first day for a fiscal
    quarter that starts mid-month)."""
    ticks = [Tick(position=x_at(0), label=f"{starts_on:%-d %b}")]
    day = (starts_on.replace(day=1) + timedelta(days=32)).replace(day=1)
    while day <= ends_on:
        ticks.append(Tick(position=x_at((day - starts_on).days), label=f"{day:%-d %b}"))
        day = (day + timedelta(days=32)).replace(day=1)
    return tuple(ticks)
