"""Following a figure's link from a rendered page to its drill-down, and reading both.

The drill-down tests of /goals/ (goal cards and the SLA scoreboard) and of
/marketing/performance/ use these: every link to a records page is collected with the text it
shows, the link is followed, and the drill-down's figure, count, sum and parts are read from
its HTML (the row values, such as response minutes, from the listed records).
"""

from __future__ import annotations

import base64
import html
import json
import re
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from math import ceil
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.test import Client

LINK = re.compile(r"<a (?P<attrs>[^>]*)>(?P<text>.*?)</a>", re.S)
HREF = re.compile(r'href="(?P<href>[^"]+)"')
PART = re.compile(
    r'data-part="(?P<key>\w+)">[^<]*<span class="part-count">(?P<count>[\d,]+)</span>'
    r'(?: · <span class="part-amount">(?P<amount>[^<]+)</span>)?'
)
STAT = r'id="{}">(?P<value>[^<]*)</span>'
STAT_VALUE = re.compile(r'<span class="stat__value">(?P<value>.*?)</span>', re.S)


@dataclass(frozen=True)
class FigureLink:
    """A link to a figure's records: where it goes, what it shows, its query parameters."""

    href: str
    text: str
    shows: str  # "count" when the link shows how many records (attribution's deals column)

    @property
    def query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.href).query).items()}

    @property
    def number(self) -> Decimal | None:
        return number(self.text)


@dataclass
class Drill:
    """What a drill-down page shows: the figure, the count and sum of its listed records, each
    part's count and sum, how many rows are listed, and the listed records themselves."""

    value_text: str
    total: int
    amount: Decimal | None
    parts: dict[str, tuple[int, Decimal | None]]
    rows: int
    records: list[Any] = field(default_factory=list)

    @property
    def value(self) -> Decimal | None:
        return number(self.value_text)


def forged_cursor(*values: Any) -> str:
    """An `?after=` cursor in the pagination's encoding holding whatever values a caller
    forges (a list never gives out a string where it keeps a number)."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode()


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def number(text: str) -> Decimal | None:
    """A figure as printed (12, 1,250.50, 45.5%, 4.0 min, 12.3 days, —) as a Decimal."""
    plain = text_of(text)
    for unit in ("%", "min", "days"):
        plain = plain.replace(unit, "")
    plain = plain.replace(",", "").strip()
    if plain in ("—", ""):
        return None
    return Decimal(plain)


def figure_links(page: str, path: str) -> list[FigureLink]:
    """Every link on the page to `path` (a records URL; a regular expression), with the text
    it shows."""
    links = []
    for match in LINK.finditer(page):
        href_match = HREF.search(match["attrs"])
        if href_match is None:
            continue
        href = html.unescape(href_match["href"])
        if not re.fullmatch(path, urlsplit(href).path):
            continue
        shows = "count" if 'data-shows="count"' in match["attrs"] else "figure"
        stat = STAT_VALUE.search(match["text"])  # a stat card: the figure beside its label
        text = text_of(stat["value"] if stat else match["text"])
        links.append(FigureLink(href=href, text=text, shows=shows))
    return links


def read_drill(client: Client, href: str) -> Drill:
    response = client.get(href)
    assert response.status_code == 200, href
    page = response.content.decode()
    value = re.search(STAT.format("figure-value"), page)
    total = re.search(STAT.format("records-total"), page)
    amount = re.search(STAT.format("records-amount"), page)
    assert value is not None
    assert total is not None
    record_page = page[page.index('<div id="record-page">') :]
    body = record_page[: record_page.find("</tbody>") + 1]
    drill = response.context["drill"]
    return Drill(
        value_text=html.unescape(value["value"]),
        total=int(total["value"]),
        amount=number(amount["value"]) if amount else None,
        parts={
            m["key"]: (int(m["count"].replace(",", "")), number(m["amount"] or "—"))
            for m in PART.finditer(page)
        },
        rows=body.count("<tr>") - 1 if "<tbody>" in body else 0,  # less the header row
        records=list(drill.page),
    )


def as_shown(value: Decimal | None, shown: Decimal | None) -> Decimal | None:
    """`value` rounded as the page printed `shown` (e.g. 15,000 for 14,999.50)."""
    if value is None or shown is None:
        return value
    places = Decimal(1).scaleb(shown.as_tuple().exponent)  # type: ignore[arg-type]
    return value.quantize(places, rounding=ROUND_HALF_UP)


def percent(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def minutes_of(drill: Drill) -> list[float]:
    return [lead.facts.response_minutes for lead in drill.records]


def waits_of(drill: Drill) -> list[float]:
    """The listed meetings' minutes from the form to the booking, from their time stamps."""
    return [(m.booked_at - m.raised_at).total_seconds() / 60 for m in drill.records]


def median(values: list[float]) -> Decimal | None:
    if not values:
        return None
    return Decimal(str(statistics.median(values))).quantize(Decimal("0.1"), ROUND_HALF_UP)


def p90(values: list[float]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    return Decimal(str(ordered[ceil(0.9 * len(ordered)) - 1])).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )


def assert_same(kind: str, shown: Decimal | None, drill: Drill, label: str) -> None:
    """The drill-down shows the figure it was opened from, and its records add up to it:
    a count is the number of records, a sum their amounts, a rate numerator / denominator,
    a median or p90 that of the listed response minutes, a wait the median of the listed
    meetings' minutes from form to booking, a cost per X the spend / X, ROI
    (credit - spend) / spend, an average attempts the mean of the listed attempts."""
    assert as_shown(drill.value, shown) == shown, (label, drill.value_text)
    parts = drill.parts
    if kind == "count":
        assert Decimal(drill.total) == (shown or 0), label
    elif kind == "sum":
        assert as_shown(drill.amount, shown) == shown, (label, drill.amount)
    elif kind == "rate":
        (num, _), (den, _) = parts["numerator"], parts["denominator"]
        assert percent(num, den) == shown, (label, num, den)
    elif kind == "amount_rate":
        (_, retained), (_, due) = parts["numerator"], parts["denominator"]
        assert percent(retained or 0, due or 0) == shown, (label, retained, due)
    elif kind == "median":
        assert median(minutes_of(drill)) == shown, label
    elif kind == "p90":
        assert p90(minutes_of(drill)) == shown, label
    elif kind == "wait":
        assert median(waits_of(drill)) == shown, label
    elif kind == "mean_attempts":
        attempts = [dq.attempts_at_time for dq in drill.records]
        mean = Decimal(sum(attempts)) / len(attempts) if attempts else None
        assert as_shown(mean, shown) == shown, label
    elif kind == "cost_per":
        (_, cost), (count, _) = parts["cost"], parts["denominator"]
        expected = None if cost is None or not count else cost / count
        assert as_shown(expected, shown) == shown, (label, cost, count)
    elif kind == "roi":
        (_, credit), (_, cost) = parts["attributed"], parts["cost"]
        expected = None if not cost else percent((credit or 0) - cost, cost)
        assert expected == shown, (label, credit, cost)
    elif kind != "value":
        raise AssertionError(f"unknown kind {kind}")
    if kind not in ("value",):
        assert drill.rows == min(drill.total, 100), (label, drill.rows, drill.total)
