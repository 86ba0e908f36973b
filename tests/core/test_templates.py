"""Rules every template keeps."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
REFRESHED = re.compile(r"<[^>]*hx-trigger=\"[^\"]*from:body[^\"]*\"[^>]*>", re.S)


def test_a_region_refreshed_by_an_event_queues_the_last_refresh_instead_of_dropping_it():
    # htmx drops a request while the element's previous one is in flight (its default
    # hx-sync), so two changes in quick succession would leave the region showing the first
    stale = [
        f"{path.relative_to(TEMPLATES)}: {tag[:80]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for tag in REFRESHED.findall(path.read_text())
        if 'hx-sync="this:queue last"' not in tag
    ]
    assert REFRESHED.search((TEMPLATES / "service" / "home.html").read_text())
    assert stale == []
