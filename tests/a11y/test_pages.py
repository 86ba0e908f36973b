"""Every page, for every role that may open it, passes axe-core's WCAG 2 A and AA rules and fits
a 390 px wide phone without scrolling sideways (issue "The rep's day", items 8 and 9).

The pages are the GET rows of the permission matrix (apps/core/permission_matrix.py) whose
outcome for a role is "ok", so a new page is checked as soon as it has a row; the sign-in page,
the public form and its thanks page are read anonymously, and the 403 and 404 pages, the
empty states and the error states of the two public forms are added by hand below.

Each page is opened once, in its role's browser context (signed in once per module through a
session cookie): at 1280 px axe runs and every control must show a visible focus ring and be a
native control; at 390 x 844 axe runs again and the page itself must not be wider than the
window (a wide table scrolls inside its own `.table-wrap`, never the page).

The demo data (`seed_demo`, 200 leads) is committed once for the module, because the live
server reads it over its own connection, and the tables are flushed when the module is done,
as a transactional test would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS
from django.test import Client
from django.test.utils import modify_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from apps.core.permission_matrix import (
    ANONYMOUS,
    MANAGER,
    MARKETING,
    OK,
    REVOPS,
    RULES,
    SALES,
    SERVICE,
    Rule,
)
from tests.security.conftest import World, url_for

pytestmark = [pytest.mark.browser]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DEMO_LEADS = 200
# Each role's primary demo user (apps/demo/catalogue.py), and a user with nothing yet.
USERNAMES = {SALES: "sam", MANAGER: "max", MARKETING: "mia", SERVICE: "sid", REVOPS: "rita"}
NEWCOMERS = {SALES: "nell", MARKETING: "nina"}
# GET rows of the matrix that are not HTML pages a person reads.
NOT_PAGES = {
    "core:healthz": "plain-text probe",
    "core:home": "redirects to the role's workspace, which is checked itself",
    "sales:counts": "htmx partial of the queue page",
    "sales:pulse": "JSON that keeps a rep's open pages live",
    "imports:progress": "htmx partial of the import page",
    "imports:report": "CSV download",
    "imports:rejected": "CSV download",
    "booking:slots": "the booking page's region alone, fetched by its script",
    "booking:invite": "calendar (ICS) download",
}


# --- Which pages, as whom ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One page as one role: where it is and, for error states, what to do on it first."""

    id: str
    role: str
    url_name: str
    path: Callable[[Site], str]
    act: Callable[[Page], None] | None = None
    newcomer: bool = False


def _matrix_path(rule: Rule) -> Callable[[Site], str]:
    return lambda site: url_for(rule, site.world)


def _matrix_cases() -> Iterator[Case]:
    """The first GET row per (role, URL name) that lets the role read the page."""
    seen: set[tuple[str, str]] = set()
    for rule in RULES:
        name = rule.url_name
        if rule.method != "GET" or name.startswith(("api:", "admin:")) or name in NOT_PAGES:
            continue
        public = rule.outcome(ANONYMOUS) == OK  # read public pages as the public reads them
        for role in (ANONYMOUS,) if public else tuple(USERNAMES):
            if rule.outcome(role) != OK or (role, name) in seen:
                continue
            seen.add((role, name))
            yield Case(f"{role}-{name}", role, name, _matrix_path(rule))


def _fill_nothing_and_submit(label: str) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        page.locator("form").filter(has=page.get_by_role("button", name=label)).evaluate(
            "form => form.noValidate = true"  # let the server say what is missing
        )
        page.get_by_role("button", name=label).click()
        page.wait_for_load_state("load")

    return act


def _wrong_password(page: Page) -> None:
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def _extra_cases() -> Iterator[Case]:
    """Pages no matrix row names: error pages, empty states, forms showing their errors."""
    yield Case("anonymous-404", ANONYMOUS, "404", lambda s: "/f/no-such-form/")
    yield Case("Sales-404", SALES, "404", lambda s: "/no-such-page/")
    yield Case("Sales-403", SALES, "403", lambda s: reverse("marketing:home"))
    yield Case("anonymous-login-error", ANONYMOUS, "login", lambda s: "/login/", _wrong_password)
    form_error = _fill_nothing_and_submit("Send")
    yield Case(
        "anonymous-public:form-error",
        ANONYMOUS,
        "public:form",
        lambda s: reverse("public:form", kwargs={"slug": s.world.objects["public_form"].slug}),
        form_error,
    )
    for role, name in (
        (SALES, "sales:queue"),
        (SALES, "sales:pipeline"),
        (SALES, "notifications:list"),
        (MARKETING, "imports:list"),
        (MARKETING, "notifications:list"),
    ):
        yield Case(f"{role}-{name}-empty", role, name, lambda s, n=name: reverse(n), newcomer=True)


CASES = [*_matrix_cases(), *_extra_cases()]


def _param(case: Case) -> Any:
    return pytest.param(case, id=case.id.replace(" ", "_"))


# --- The world: demo data, a live server, a signed-in browser context per role -----------


@dataclass
class Site:
    url: str
    world: World
    sessions: dict[str, str]


def _objects(users: dict[str, Any]) -> dict[str, Any]:
    """The records the matrix's URLs point at (DEFAULT_OBJECTS' names), picked from the demo."""
    from apps.accounts.models import Account
    from apps.campaigns.models import Asset, Campaign
    from apps.feedback.models import DisqualificationReason
    from apps.goals.models import JointGoal
    from apps.imports.models import ImportJob, ImportRejection
    from apps.leads.models import Lead
    from apps.meetings import links
    from apps.meetings.models import Meeting
    from apps.plays.models import Play

    sam, sara = users["sam"], users["sara"]
    working = Lead.objects.filter(status=Lead.Status.WORKING).order_by("pk")
    prospect = Account.Lifecycle.PROSPECT
    customer = Account.objects.filter(lifecycle=Account.Lifecycle.CUSTOMER, renewals__isnull=False)
    job = ImportJob.objects.create(
        created_by=users["mia"],
        source_path="/tmp/leads.csv",
        original_name="trade-show-leads-october.csv",
        header=["email", "first_name", "last_name", "company"],
        mapping={"email": "email", "first_name": "first_name", "last_name": "last_name"},
        status=ImportJob.Status.CHECKED,
        checked_rows=3,
        check_created=1,
        check_merged=1,
        check_rejected=1,
    )
    job.report.save("report.csv", ContentFile(b"row,result\n2,created\n3,merged\n"), save=True)
    ImportRejection.objects.create(
        job=job, row_number=4, email="bad", reason="Not an email", values=["bad", "Al"]
    )
    meeting = Meeting.objects.order_by("pk").first()
    assert meeting is not None, "the demo books one meeting"
    return {
        "lead": working.filter(owner=sam, account__lifecycle=prospect).first(),
        "other_lead": working.filter(owner=sara).exclude(account__owner=sam).first(),
        "visible_other_lead": working.filter(owner=sara, account__owner=sam).first(),
        "customer_lead": Lead.objects.filter(account__in=customer).order_by("pk").first(),
        "pool_lead": Lead.objects.filter(status=Lead.Status.READY, owner=None).first(),
        "rep": sam,
        "account": Account.objects.filter(owner=sam, lifecycle=prospect).order_by("pk").first(),
        "customer_account": customer.order_by("pk").first(),
        "campaign": Campaign.objects.order_by("pk").first(),
        "asset": Asset.objects.filter(is_public_form=False).order_by("pk").first(),
        "public_form": Asset.objects.filter(is_public_form=True).order_by("pk").first(),
        "play": Play.objects.order_by("pk").first(),
        "goal": JointGoal.objects.order_by("pk").first(),
        "reason": DisqualificationReason.objects.filter(disqualifications__isnull=False)
        .order_by("pk")
        .first(),
        "import_job": job,
        # the demo's booked meeting (sam's, from the demo-request form) and its lead's booking link
        "booking_link": links.booking_token(
            lead_id=meeting.lead_id, asset_id=meeting.asset_id, raised_at=meeting.raised_at
        ),
        "meeting_link": links.meeting_token(meeting.uid),
    }


def _newcomers() -> dict[str, Any]:
    from tests import factories

    users = {}
    for role, username in NEWCOMERS.items():
        user = factories.UserFactory(username=username, first_name=username.title())
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        users[username] = user
    return users


@pytest.fixture(scope="module")
def test_database(
    django_db_setup: None, django_db_blocker: Any, django_db_keepdb: bool, django_db_createdb: bool
) -> Iterator[None]:
    """The test database, set up here when pytest-django did not.

    pytest-django sets it up only for the django_db tests it collected, and these tests are not
    marked: a per-test transaction would hold SQLite's write lock against the live server, and
    a transactional test would flush the seeded data after every page.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
            yield  # another selected test asked for it: pytest-django set it up
            return
        keepdb = django_db_keepdb and not django_db_createdb
        config = setup_databases(
            verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS}, keepdb=keepdb
        )
        try:
            yield
        finally:
            if not keepdb:
                teardown_databases(config, verbosity=0)


@pytest.fixture(scope="module")
def site(test_database: None, django_db_blocker: Any) -> Iterator[Site]:
    """Demo data committed for the module, served by a live server; flushed afterwards."""
    from django.db import connection

    from apps.demo import seed
    from apps.users.models import User

    # Held for the whole module: the live server's thread reads through its own connection.
    with django_db_blocker.unblock():
        assert _is_test_database(connection.settings_dict)
        seed.seed_demo(leads=DEMO_LEADS, today=timezone.localdate())
        users = {u.username: u for u in User.objects.all()} | _newcomers()
        world = World(users=users, objects=_objects(users))
        server = LiveServer("localhost")
        allowed = modify_settings(ALLOWED_HOSTS={"append": "localhost"})
        allowed.enable()
        try:
            yield Site(url=server.url, world=world, sessions=_sessions(users))
        finally:
            allowed.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


def _is_test_database(settings_dict: dict[str, Any]) -> bool:
    """The module flushes what it wrote: make sure that is a test database (the configured
    test name, PostgreSQL's test_<name>, SQLite's in-memory one), never the one `make run`
    serves."""
    name = str(settings_dict["NAME"])
    test_name = (settings_dict.get("TEST") or {}).get("NAME")
    return name == str(test_name) or name.startswith("test_") or "mode=memory" in name


def _sessions(users: dict[str, Any]) -> dict[str, str]:
    """A session cookie per username, as if each had signed in once."""
    sessions = {}
    for username in (*USERNAMES.values(), *NEWCOMERS.values()):
        client = Client()
        client.force_login(users[username])
        sessions[username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


class Contexts:
    """One browser context per user, opened on first use and signed in by its cookie."""

    def __init__(self, browser: Browser, site: Site) -> None:
        self.browser, self.site = browser, site
        self.opened: dict[str, BrowserContext] = {}

    def for_case(self, case: Case) -> BrowserContext:
        if case.role == ANONYMOUS:
            username = None
        else:
            username = NEWCOMERS[case.role] if case.newcomer else USERNAMES[case.role]
        key = username or ANONYMOUS
        if key not in self.opened:
            cookies: list[Any] = []
            if username is not None:
                value = self.site.sessions[username]
                cookies = [
                    {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": self.site.url}
                ]
            self.opened[key] = self.browser.new_context(
                viewport=DESKTOP,
                base_url=self.site.url,
                storage_state={"cookies": cookies, "origins": []},
            )
        return self.opened[key]


@pytest.fixture(scope="module")
def contexts(browser: Browser, site: Site) -> Iterator[Contexts]:
    opened = Contexts(browser, site)
    yield opened
    for context in opened.opened.values():
        context.close()


# --- What is checked on each page ----------------------------------------------------------

AXE = Axe()

# Every control must show where the focus is: focused by script before any pointer input (so
# :focus-visible applies, as after a Tab), it must draw an outline or a shadow it did not draw
# before. A click handler on anything but a native control is out of the keyboard's reach, so
# an htmx trigger that fires on click must sit on a link, button or form.
FOCUS_AND_NATIVE_CONTROLS = """
() => {
  const problems = [];
  const focusable = [...document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), ' +
    'select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])'
  )].filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden');
  const look = el => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | ');
  };
  for (const el of focusable) {
    const before = look(el);
    el.focus();
    if (document.activeElement !== el) continue;
    const s = getComputedStyle(el);
    const drawn = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    if (!drawn || look(el) === before) problems.push('no visible focus: ' + el.outerHTML.slice(0, 120));
  }
  document.activeElement && document.activeElement.blur();
  const native = 'a[href], button, form, input, select, textarea';
  for (const el of document.querySelectorAll('[hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete]')) {
    const trigger = el.getAttribute('hx-trigger') || '';
    if (el.matches(native) || (trigger && !/click|key/.test(trigger))) continue;
    problems.push('htmx action on a non-native element: ' + el.outerHTML.slice(0, 120));
  }
  return problems;
}
"""

# Folded forms and tables (a lead's decisions, "how this is worked out") are checked unfolded.
OPEN_ALL_DETAILS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"

PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"

# What sticks out of a phone's window, in page order (read only when the page overflows): an
# element past the right edge that no scrolling ancestor clips. An absolutely positioned one
# escapes its scroller unless the scroller is positioned itself.
STICKING_OUT = """
() => {
  const clipped = el => {
    const escapes = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== 'visible' && (!escapes || style.position !== 'static')) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(el))
    .slice(0, 4)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
      + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + 'px)');
}
"""


def _axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("() => 'axe' in window"):  # injected once per page, run twice
        page.evaluate(AXE.axe_script)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = AxeResults(page.evaluate("options => axe.run(document, options)", options))
    return list(results.response["violations"])


def _describe(width: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"[{width}] {violation['id']} ({violation['impact']}): {violation['help']}"
            f" -> {', '.join(targets)}{f' (+{more} more)' if more > 0 else ''}"
        )
    return lines


def _settle(page: Page) -> None:
    """Wait until htmx regions that load themselves (the lead flow) have been swapped in."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !document.querySelector('[hx-trigger=\"load\"], .htmx-request')", timeout=10_000
    )


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_page_passes_axe_and_fits_a_phone(case: Case, site: Site, contexts: Contexts) -> None:
    # given
    page = contexts.for_case(case).new_page()
    try:
        response = page.goto(case.path(site))
        assert response is not None
        kind = response.headers.get("content-type", "")
        assert kind.startswith("text/html"), f"{case.url_name} answers {kind}: add it to NOT_PAGES"
        if case.act:
            case.act(page)
        _settle(page)
        page.evaluate(OPEN_ALL_DETAILS)
        problems: list[str] = []

        # when: read at desktop width
        problems += _describe("1280", _axe(page))
        problems += [f"[1280] {p}" for p in page.evaluate(FOCUS_AND_NATIVE_CONTROLS)]

        # and at phone width
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(50)
        problems += _describe("390", _axe(page))
        scroll_width, inner_width = page.evaluate(PAGE_WIDTH)
        if scroll_width > inner_width:
            widest = ", ".join(page.evaluate(STICKING_OUT))
            problems.append(
                f"[390] the page scrolls sideways: {scroll_width}px wide in a {inner_width}px"
                f" window; sticking out: {widest}"
            )

        # then
        assert not problems, f"{case.id} ({page.url}):\n  " + "\n  ".join(problems)
    finally:
        page.close()
