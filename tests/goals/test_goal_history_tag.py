"""The goal card's history rows ({% snapshot_rows %}): the markup the template loop wrote, with
every text escaped."""

from __future__ import annotations

from datetime import date

from django.template import Context, Template

from apps.goals.selectors import SnapshotRow


def _render(rows: list[SnapshotRow]) -> str:
    template = Template("{% load goal_history %}{% snapshot_rows rows %}")
    return template.render(Context({"rows": rows}))


def test_a_row_per_day_with_its_date_label_and_actual() -> None:
    rows = [
        SnapshotRow(on=date(2026, 10, 5), text="12.5%"),
        SnapshotRow(on=date(2026, 10, 6), text="1,204.00"),
    ]

    assert _render(rows) == (
        '<tr><th scope="row"><time datetime="2026-10-05">Mon 5 Oct</time></th>'
        '<td class="num">12.5%</td></tr>'
        '<tr><th scope="row"><time datetime="2026-10-06">Tue 6 Oct</time></th>'
        '<td class="num">1,204.00</td></tr>'
    )


def test_texts_are_escaped() -> None:
    rows = [SnapshotRow(on=date(2026, 10, 5), text="<script>\"x\" & 'y'</script>")]

    html = _render(rows)

    assert "<script>" not in html
    assert "&lt;script&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;/script&gt;" in html


def test_no_rows_render_nothing() -> None:
    assert _render([]) == ""
