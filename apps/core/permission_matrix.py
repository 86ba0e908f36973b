"""The role permission matrix: every URL of the URLconf x every role, written once.

This is the SPEC's "Baseline permissions" table turned into one declarative table: for each
named URL (and the HTTP method a row exercises) the outcome each role must get. The table is
the SPEC's word, not a mirror of the code: tests/security/test_permission_matrix.py walks every
row as every role and asserts it exactly, and a URL name without a row fails the suite. The
README's "Permissions" section is `render_markdown()` of this table (a test keeps them equal).

Outcomes (what a request gets, whatever the exact status code):

- ``ok``: 2xx, or a redirect that is not to a sign-in page; for an action (POST) also a 400,
  409 or 422: the permission passed and the body or the record's state was refused.
- ``login``: refused for want of credentials: a redirect to a sign-in page (ours, or the
  admin's for signed-in users without staff access) or a 401 (403 for an anonymous API call).
- ``forbidden``: 403, the role may not use this page or action at all.
- ``hidden``: 404, the role may not see this record (missing and forbidden look alike).
- ``method``: 405, the URL does not answer this method (a GET on an action).

Objects: each row names which fixture record its URL points at (`objects`); unless it says
otherwise an object URL points at the Sales rep sam's own records (his lead, his account, his
opportunity, his disqualification). Role-level refusals are 403 and object-level ones 404, so
a Service user opening sam's prospect lead gets ``hidden`` but pressing "convert" on it from
the web gets ``forbidden`` (the role check runs before any lookup).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from django.urls import URLPattern, URLResolver, get_resolver


class Outcome(StrEnum):
    OK = "ok"
    LOGIN = "login"
    FORBIDDEN = "forbidden"
    HIDDEN = "hidden"
    METHOD = "method"


OK, LOGIN, FORBIDDEN, HIDDEN, METHOD = (
    Outcome.OK,
    Outcome.LOGIN,
    Outcome.FORBIDDEN,
    Outcome.HIDDEN,
    Outcome.METHOD,
)

ANONYMOUS = "anonymous"
SALES = "Sales"
MANAGER = "Sales manager"
MARKETING = "Marketing"
SERVICE = "Service"
REVOPS = "RevOps"
# The matrix's columns, in order. Role names are the Django groups (apps.users.models.Role).
ROLES: tuple[str, ...] = (ANONYMOUS, SALES, MANAGER, MARKETING, SERVICE, REVOPS)
SIGNED_IN: tuple[str, ...] = ROLES[1:]
EVERYONE: tuple[str, ...] = SIGNED_IN

GET = "GET"
POST = "POST"

# Where an object URL points unless a row says otherwise: URL keyword -> fixture record.
DEFAULT_OBJECTS: Mapping[str, str] = MappingProxyType(
    {
        "lead_id": "lead",  # sam's working lead on a prospect account
        "step_id": "step",  # a due step of the play attached to sam's lead
        "rep_id": "rep",  # sam, as a member of the sales team
        "account_id": "account",  # the prospect account sam owns
        "campaign_id": "campaign",
        "asset_id": "asset",
        "play_id": "play",
        "disqualification_id": "disqualification",  # sam's disqualification, open for review
        "opportunity_id": "opportunity",  # sam's open opportunity
        "renewal_id": "renewal",  # the customer account's pending renewal
        "goal_id": "goal",
        "job_id": "import_job",  # an import the marketer mia started
        "slug": "public_form",  # the asset that is a public form
        "token": "booking_link",  # the signed booking link of sam's hand-raiser
        "rest": "unknown_api_path",
    }
)

# Admin is excluded from the walk except its index (its own permission system guards the rest).
ADMIN_NAMES_WALKED = frozenset({"admin:index"})


@dataclass(frozen=True)
class Rule:
    """One row: a URL name, the method the row exercises, and each role's outcome."""

    url_name: str
    method: str
    outcomes: Mapping[str, Outcome]
    objects: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    why: str = ""

    @property
    def key(self) -> str:
        return f"{self.method} {self.url_name}"

    def outcome(self, role: str) -> Outcome:
        return self.outcomes[role]


def grant(
    *allowed: str,
    anonymous: Outcome = LOGIN,
    otherwise: Outcome = FORBIDDEN,
    **exceptions: Outcome,
) -> dict[str, Outcome]:
    """Outcomes for the six roles: `allowed` roles ok, other signed-in roles `otherwise`.

    Exceptions are keyword arguments by role attribute name: sales, manager, marketing,
    service, revops (e.g. ``service=HIDDEN``).
    """
    names = {"sales": SALES, "manager": MANAGER, "marketing": MARKETING}
    names |= {"service": SERVICE, "revops": REVOPS}
    outcomes: dict[str, Outcome] = {ANONYMOUS: anonymous}
    for role in SIGNED_IN:
        outcomes[role] = OK if role in allowed else otherwise
    for attr, outcome in exceptions.items():
        outcomes[names[attr]] = outcome
    return outcomes


def _uniform(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


ALL_READ = grant(*EVERYONE)
PUBLIC = _uniform(OK)

# Roles of the SPEC's rows, for readability below.
WORKERS = (SALES, MANAGER)  # attempts, play steps, convert, disqualify, recycle
TIER_EDITORS = (MARKETING, REVOPS)  # campaigns, assets, account tier
PLAY_EDITORS = (MANAGER, MARKETING, REVOPS)  # plays
REVIEWERS = (MARKETING, REVOPS)  # review disqualifications
SERVICE_EDITORS = (SERVICE, REVOPS)  # renewals, health, voice notes, hand to sales
RENEWAL_READERS = (SALES, MANAGER, SERVICE, REVOPS)  # Marketing reads voice notes only
IMPORTERS = (MANAGER, MARKETING, REVOPS)  # Sales and Service only export
# The web actions on a lead (each a POST-only URL taking lead_id).
WORK_ACTIONS = (
    "sales:log-attempt",
    "sales:convert",
    "sales:disqualify",
    "sales:recycle",
    "sales:switch-play",
    "sales:buying-role",
)
API_WORK_ACTIONS = (
    "api:lead-attempts",
    "api:lead-convert",
    "api:lead-disqualify",
    "api:lead-recycle",
)
# Leads every role reads but Service (sam's lead is on a prospect account, not a customer's).
LEAD_READERS = grant(*EVERYONE, service=HIDDEN)


Outcomes = Mapping[str, Outcome]
Objects = Mapping[str, str]


def page(
    name: str,
    outcomes: Outcomes,
    *,
    objects: Objects | None = None,
    query: Objects | None = None,
    why: str = "",
) -> Rule:
    """A GET row: a page, an htmx partial, an API list or detail, a download."""
    return Rule(name, GET, outcomes, objects=objects or {}, query=query or {}, why=why)


def action(
    name: str,
    outcomes: Outcomes,
    *,
    on_get: Outcomes | None = None,
    objects: Objects | None = None,
    why: str = "",
) -> Iterator[Rule]:
    """A POST-only URL: the action's row, and a GET row that must never act (405)."""
    yield Rule(name, POST, outcomes, objects=objects or {}, why=why)
    if on_get is None:
        # Signed-in users get 405; anonymous visitors are sent to sign in first.
        anonymous = METHOD if outcomes[ANONYMOUS] == OK else outcomes[ANONYMOUS]
        on_get = dict.fromkeys(SIGNED_IN, METHOD) | {ANONYMOUS: anonymous}
    yield Rule(name, GET, on_get, objects=objects or {}, why=why)


def form(
    name: str, outcomes: Outcomes, *, objects: Objects | None = None, why: str = ""
) -> Iterator[Rule]:
    """A page with a form posting to itself: the same rule for reading and for saving."""
    yield Rule(name, GET, outcomes, objects=objects or {}, why=why)
    yield Rule(name, POST, outcomes, objects=objects or {}, why=why)


def _rules() -> Iterator[Rule]:
    # --- Anonymous visitors reach only the public forms, intake with a key, login, /healthz --
    yield page("login", PUBLIC)
    yield from action(
        "logout", grant(*EVERYONE), why="Signed-in users are signed out and sent to /login/."
    )
    yield from form("profile", ALL_READ, why="Each user's own settings (their time zone).")
    yield page("core:healthz", PUBLIC)
    yield page("core:home", ALL_READ, why="Redirects each role to its workspace.")
    yield from form("public:form", PUBLIC, why="The public form; a bad body is a 400.")
    yield page("public:thanks", PUBLIC)
    # The buyer's booking pages: the signed link in the URL is the credential (no session).
    yield from form(
        "booking:book", PUBLIC, why="Book a slot by the signed link; a bad slot is a 4xx."
    )
    yield page("booking:slots", PUBLIC)
    meeting_link = {"token": "meeting_link"}
    yield page("booking:meeting", PUBLIC, objects=meeting_link)
    yield from form("booking:reschedule", PUBLIC, objects=meeting_link)
    yield page("booking:invite", PUBLIC, objects=meeting_link)
    yield from action("booking:cancel", PUBLIC, objects=meeting_link)
    yield page("admin:index", grant(REVOPS, otherwise=LOGIN), why="Admin configuration: RevOps.")

    # --- Sales workspace --------------------------------------------------------------------
    yield page("sales:queue", grant(*WORKERS))
    yield page("sales:counts", grant(*WORKERS))
    yield page("sales:today", grant(*WORKERS), why="Today: the rep's due steps and hand-raisers.")
    yield from form("sales:calendar", grant(*WORKERS), why="A rep's bookable hours and busy feed.")
    yield page("sales:pulse", grant(*WORKERS), why="What keeps a rep's open pages live.")
    yield page("sales:team", grant(MANAGER, REVOPS), why="RevOps reassigns from the team page.")
    yield from action(
        "sales:availability", grant(MANAGER), why="Rep availability: Sales manager only."
    )
    yield page("sales:lead", LEAD_READERS)
    yield page(
        "sales:lead",
        grant(*EVERYONE, sales=HIDDEN, service=HIDDEN),
        objects={"lead_id": "other_lead"},
        why="Another rep's lead on an account sam does not own: hidden from sam.",
    )
    yield page(
        "sales:lead",
        grant(*EVERYONE, service=HIDDEN),
        objects={"lead_id": "pool_lead"},
        why="Reps read the pool.",
    )
    yield from action(
        "sales:claim", grant(*WORKERS), objects={"lead_id": "pool_lead"}, why="Claim: Sales, SM."
    )
    for name in ("sales:complete-step", "sales:send-step-email", *WORK_ACTIONS):
        yield from action(name, grant(*WORKERS))
    yield from action(
        "sales:log-attempt",
        grant(*WORKERS, sales=HIDDEN),
        objects={"lead_id": "other_lead"},
        why="Attempts on own leads only: another rep's lead is hidden from sam.",
    )
    yield page(
        "sales:lead",
        grant(*EVERYONE, service=HIDDEN),
        objects={"lead_id": "visible_other_lead"},
        why="Sara's lead on an account sam owns: sam reads it (not her notes).",
    )
    yield page(
        "sales:lead",
        grant(*EVERYONE, sales=HIDDEN),
        objects={"lead_id": "customer_lead"},
        why="Service reads the leads of customer accounts.",
    )
    for name in WORK_ACTIONS:
        yield Rule(
            name,
            POST,
            grant(MANAGER, sales=FORBIDDEN),
            objects={"lead_id": "visible_other_lead"},
            why="Sam reads sara's lead but works only his own: 403.",
        )
    yield from action("sales:reassign", grant(MANAGER, REVOPS), why="Reassign: SM and RevOps.")
    yield page("sales:pipeline", ALL_READ, why="Opportunities: own, team, read, read, read.")
    yield from action("sales:change-stage", grant(*WORKERS))
    yield Rule(
        "sales:change-stage",
        POST,
        grant(MANAGER, sales=HIDDEN),
        objects={"opportunity_id": "other_opportunity"},
        why="Opportunities: a rep's own; another rep's is hidden from him.",
    )

    # --- Plays ------------------------------------------------------------------------------
    yield page("plays:list", ALL_READ)
    yield page("plays:detail", ALL_READ)
    yield from form("plays:create", grant(*PLAY_EDITORS))
    yield from form("plays:edit", grant(*PLAY_EDITORS))
    yield from action("plays:active", grant(*PLAY_EDITORS))

    # --- Disqualification review ----------------------------------------------------------------
    yield page("feedback:home", grant(*REVIEWERS), why="Managers see disputes on /sales/team/.")
    yield from action("feedback:review", grant(*REVIEWERS))
    yield from action("feedback:bulk-acknowledge", grant(*REVIEWERS))
    yield page("feedback:records", grant(*REVIEWERS), query={"by": "reason", "key": "@reason"})

    # --- Marketing workspace ----------------------------------------------------------------
    yield page("marketing:home", grant(MARKETING, REVOPS))
    yield page("marketing:lead-flow", grant(MARKETING, REVOPS, MANAGER))
    yield page("marketing:campaigns", ALL_READ, why="Every role reads campaigns and briefs.")
    yield from form("marketing:campaign-create", grant(*TIER_EDITORS))
    yield from form("marketing:campaign-edit", grant(*TIER_EDITORS))
    yield from form("marketing:asset-create", grant(*TIER_EDITORS))
    yield from form("marketing:asset-edit", grant(*TIER_EDITORS))
    yield from action(
        "marketing:campaign-spend", grant(*TIER_EDITORS), why="Record spend: Marketing, RevOps."
    )
    yield page("marketing:leads", grant(MARKETING, REVOPS), why="The marketer's lead list.")
    yield from action("marketing:lead-bulk", grant(MARKETING, REVOPS))
    yield from action("marketing:lead-view-save", grant(MARKETING, REVOPS))
    yield from action("marketing:lead-view-delete", grant(MARKETING, REVOPS))
    yield page("marketing:performance", grant(MARKETING, REVOPS, MANAGER))
    yield page(
        "marketing:performance-records",
        grant(MARKETING, REVOPS, MANAGER),
        query={"figure": "won_revenue"},
        why="The records behind a performance figure: the page's roles.",
    )

    # --- Service workspace ------------------------------------------------------------------
    customer = {"account_id": "customer_account"}
    yield page("service:home", grant(*RENEWAL_READERS))
    yield from action("service:renew", grant(*SERVICE_EDITORS))
    yield from action("service:churn-renewal", grant(*SERVICE_EDITORS))
    yield page("service:account", grant(*RENEWAL_READERS), objects=customer)
    yield from action("service:set-health", grant(*SERVICE_EDITORS), objects=customer)
    yield from action("service:hand-to-sales", grant(*SERVICE_EDITORS), objects=customer)
    yield page(
        "service:churn",
        ALL_READ,
        why="Churn reasons are shared with marketing and sales (issue 7), beyond the baseline.",
    )
    yield page("service:voice", ALL_READ, why="Voice notes: every role reads them.")
    yield from action("service:add-voice-note", grant(*SERVICE_EDITORS))

    # --- Shared pages -----------------------------------------------------------------------
    yield page("goals:home", ALL_READ)
    yield page("goals:records", ALL_READ, why="Drill-down rows are scoped per role.")
    yield page(
        "goals:scoreboard-records",
        ALL_READ,
        query={"metric": "win_rate", "rep": "@rep"},
        why="The records behind a scoreboard figure; rows scoped per role.",
    )
    yield page("agreement:home", ALL_READ, why="Every role reads the qualification agreement.")
    yield from action(
        "agreement:sign",
        grant(MARKETING, MANAGER),
        why="Marketing signs for marketing, a Sales manager for sales; RevOps drafts only.",
    )
    yield page("accounts:list", ALL_READ)
    yield page("accounts:detail", ALL_READ)
    yield page("accounts:people", ALL_READ, why="People rows are scoped by visible_to().")
    yield from action("accounts:tier", grant(*TIER_EDITORS))
    yield page("notifications:list", ALL_READ, why="Each user's own notifications.")
    yield from action("notifications:mark_all_read", ALL_READ)

    # --- Imports (an import mia started: RevOps sees every import, others their own) ----------
    imports_object = grant(MARKETING, REVOPS, manager=HIDDEN)
    imports_get = {**imports_object, MARKETING: METHOD, REVOPS: METHOD, MANAGER: METHOD}
    yield from form("imports:list", grant(*IMPORTERS))
    yield page("imports:detail", imports_object)
    yield page("imports:progress", imports_object)
    yield page("imports:report", imports_object)
    yield page("imports:rejected", imports_object)
    yield from action("imports:dry-run", imports_object, on_get=imports_get)
    yield from action("imports:run", imports_object, on_get=imports_get)
    yield from action("imports:discard", imports_object, on_get=imports_get)

    # --- REST API (session or token; 401 for anonymous) -------------------------------------
    yield from action(
        "api:token", PUBLIC, on_get=_uniform(METHOD), why="The API's sign-in: anyone may try."
    )
    yield from action(
        "api:intake",
        grant(MARKETING, REVOPS),
        on_get=grant(MARKETING, REVOPS, otherwise=FORBIDDEN) | {MARKETING: METHOD, REVOPS: METHOD},
        why="Intake with a key (none sent here) or a Marketing/RevOps user's credentials.",
    )
    yield from action(
        "api:intake-webhook",
        _uniform(LOGIN),
        on_get=_uniform(METHOD),
        objects={"slug": "intake_source"},
        why="Signed webhook: without a valid signature everyone gets 401.",
    )
    yield page("api:leads", ALL_READ, why="Lists are scoped by visible_to().")
    yield page("api:leads-export", ALL_READ, why="Sales: own; Service: customers'; others: all.")
    yield page("api:lead", LEAD_READERS)
    yield page(
        "api:lead",
        grant(*EVERYONE, sales=HIDDEN, service=HIDDEN),
        objects={"lead_id": "other_lead"},
    )
    yield page("api:lead-attempts", LEAD_READERS)
    yield Rule(
        "api:lead-attempts",
        POST,
        grant(*WORKERS, service=HIDDEN),
        why="Attempts: own leads (Sales), team leads (SM); others may read but not log.",
    )
    yield Rule(
        "api:lead-attempts",
        POST,
        grant(*WORKERS, sales=HIDDEN, service=HIDDEN),
        objects={"lead_id": "other_lead"},
    )
    yield from action(
        "api:lead-claim",
        grant(*WORKERS, service=HIDDEN),
        objects={"lead_id": "pool_lead"},
        why="Claim from the pool: Sales and Sales manager.",
    )
    yield from action(
        "api:lead-reassign", grant(MANAGER, REVOPS, service=HIDDEN), why="Reassign: SM, RevOps."
    )
    for name in ("api:lead-convert", "api:lead-disqualify", "api:lead-recycle"):
        yield from action(name, grant(*WORKERS, service=HIDDEN))
    for name in API_WORK_ACTIONS:
        yield Rule(
            name,
            POST,
            grant(MANAGER, sales=FORBIDDEN, service=HIDDEN),
            objects={"lead_id": "visible_other_lead"},
            why="Sam reads sara's lead but works only his own: 403.",
        )
    for name in (
        "api:accounts",
        "api:account",
        "api:campaigns",
        "api:campaign",
        "api:assets",
        "api:asset",
        "api:plays",
        "api:play",
        "api:goals",
        "api:sla",
        "api:opportunities",
        "api:opportunity",
    ):
        yield page(name, ALL_READ)
    yield page("api:campaign-spend", ALL_READ, why="Every role reads campaign spend.")
    yield Rule(
        "api:campaign-spend",
        POST,
        grant(*TIER_EDITORS),
        why="Record spend: Marketing, RevOps (an empty body is then a 400).",
    )
    yield page(
        "api:disqualifications", ALL_READ, why="Scoped: reps their own, Service none (empty)."
    )
    yield from action(
        "api:disqualification-review",
        grant(*REVIEWERS, service=HIDDEN),
        why="Review: Marketing, RevOps; reps and managers see the item but may not review.",
    )
    yield from action("api:opportunity-stage", grant(*WORKERS))
    yield page(
        "api:opportunity",
        grant(*EVERYONE, sales=HIDDEN),
        objects={"opportunity_id": "other_opportunity"},
    )
    yield Rule(
        "api:opportunity-stage",
        POST,
        grant(MANAGER, sales=HIDDEN),
        objects={"opportunity_id": "other_opportunity"},
    )
    yield page("api:renewals", grant(*RENEWAL_READERS))
    # Deliberate: the API's description is public (it is in the open-source repo anyway and
    # holds no data), so integrators can generate clients before they have an account.
    public = grant(*EVERYONE, anonymous=OK)
    yield page("api:schema", public, why="Public API description (holds no records).")
    yield page("api:docs", public, why="Public API docs (hold no records).")
    yield page("api:not-found", _uniform(HIDDEN), why="Unknown API paths: a JSON 404.")


RULES: tuple[Rule, ...] = tuple(_rules())


def rules_for(url_name: str) -> list[Rule]:
    return [rule for rule in RULES if rule.url_name == url_name]


def covered_names() -> frozenset[str]:
    return frozenset(rule.url_name for rule in RULES)


def url_names() -> list[str]:
    """Every named URL of the URLconf (namespaced), admin excluded but for its index."""
    names: set[str] = set()

    def walk(resolver: URLResolver, namespaces: tuple[str, ...]) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(":".join((*namespaces, pattern.name)))

    walk(get_resolver(), ())
    return sorted(
        name for name in names if not name.startswith("admin:") or name in ADMIN_NAMES_WALKED
    )


def _cell(outcome: Outcome) -> str:
    return outcome.value


def _objects_note(rule: Rule) -> str:
    shown = {k: v for k, v in rule.objects.items() if DEFAULT_OBJECTS.get(k) != v}
    return ", ".join(f"{key}={value}" for key, value in shown.items())


def render_markdown() -> str:
    """The matrix as the README shows it: one line per row, roles as columns."""
    header = ["URL name", "method", "object", *ROLES]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for rule in RULES:
        cells = [f"`{rule.url_name}`", rule.method, _objects_note(rule)]
        cells += [_cell(rule.outcome(role)) for role in ROLES]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
