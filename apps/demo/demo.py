"""Deterministic demo data for `manage.py seed_demo`.

Two steps. *Planning* decides every row as plain data (frozen dataclasses that name other
records by natural key: username, domain, slug, code, play name); it is a pure function of
the seed, the number of leads and the anchor (today at 00:00 UTC), so two runs on the same
day plan identical data and tests can compare plans without a database. *Writing* inserts
a plan: configuration and users with get_or_create on natural keys, the lead side with
bulk_create in chunks, each chunk in its own transaction, skipping leads whose email
already exists. Running it twice therefore creates nothing twice, and a killed run resumes.

Every lead draws from its own `random.Random(f"{seed}:{index}")`, so lead N is the same
whatever the chunk size or the number of leads asked for, and its email can be computed
without planning the rest of the chunk.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.db.models import Min, Sum
from django.utils.text import slugify

from apps.accounts.models import Account
from apps.campaigns.models import Asset, Campaign
from apps.core.models import Quarter
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.goals.models import JointGoal, Metric
from apps.intake.keys import hash_api_key
from apps.intake.models import IntakeSource
from apps.leads.models import Activity, Lead, LeadEvent, Touchpoint
from apps.notifications.models import Notification
from apps.opportunities.models import Opportunity
from apps.plays.models import LeadPlay, LeadPlayStep, Play, PlayStep
from apps.routing.models import PoolMember, RoutingRule, SlaPolicy
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from apps.service.models import ChurnReason, HealthCheck, Renewal, VoiceNote
from apps.users.models import Role, User

DEFAULT_SEED = 42
DEFAULT_LEADS = 400
CHUNK_SIZE = 5000
BATCH_SIZE = 2000
LEAD_WINDOW_DAYS = 120
DEMO_PASSWORD = "demo"  # noqa: S105 - the SPEC's documented demo password, demo data only
DEMO_INTAKE_KEY = "demo-website-key"
SCORE_THRESHOLD = 60
HALF_LIFE_DAYS = 30
BERLIN = ZoneInfo("Europe/Berlin")

# --- Users and teams ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    is_staff: bool = False
    capacity: int = 25
    routing_weight: int = 1
    time_zone: str = "Europe/Berlin"
    work_start: time = time(9, 0)
    work_end: time = time(17, 30)


DEMO_USERS = (
    DemoUser("rita", "Rita", "Okafor", (Role.REVOPS,), is_staff=True),
    DemoUser("max", "Max", "Brandt", (Role.SALES_MANAGER,)),
    DemoUser("sam", "Sam", "Novak", (Role.SALES,), capacity=60, routing_weight=2),
    DemoUser(
        "sara",
        "Sara",
        "Lindqvist",
        (Role.SALES,),
        capacity=45,
        routing_weight=1,
        time_zone="America/New_York",
        work_start=time(8, 30),
        work_end=time(17, 0),
    ),
    DemoUser("mia", "Mia", "Torres", (Role.MARKETING,)),
    DemoUser("sid", "Sid", "Mehta", (Role.SERVICE,), time_zone="Europe/London"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)
REPS = ("sam", "sara")
REP_WEIGHTS = {u.username: u.routing_weight for u in DEMO_USERS if u.username in REPS}

EMEA = ("DE", "GB", "FR", "NL", "SE", "ES", "IT", "PL", "AT", "CH", "NO", "DK", "IE", "BE")
NORTH_AMERICA = ("US", "CA")

# --- Companies, people ------------------------------------------------------------------

COMPANIES = (
    ("Northwind Logistics", "Logistics", "DE"),
    ("Bluefin Freight", "Logistics", "NL"),
    ("Harbor & Rail", "Logistics", "GB"),
    ("Alpine Cold Chain", "Logistics", "AT"),
    ("Meridian Foods", "Food & beverage", "FR"),
    ("Kestrel Manufacturing", "Manufacturing", "DE"),
    ("Granite Tools", "Manufacturing", "US"),
    ("Lumen Retail Group", "Retail", "GB"),
    ("Oakridge Outfitters", "Retail", "US"),
    ("Polaris Software", "Software", "SE"),
    ("Brightpath Analytics", "Software", "US"),
    ("Crescent Health", "Healthcare", "GB"),
    ("Evergreen Pharma", "Healthcare", "CH"),
    ("Summit Bank", "Financial services", "US"),
    ("Fjord Capital", "Financial services", "NO"),
    ("Tidewater Energy", "Energy", "US"),
    ("Solaris Grid", "Energy", "ES"),
    ("Redwood Packaging", "Manufacturing", "CA"),
    ("Copperline Electronics", "Manufacturing", "PL"),
    ("Vantage Wholesale", "Retail", "DE"),
    ("Silverleaf Grocers", "Food & beverage", "IE"),
    ("Ironclad Security", "Software", "IL"),
    ("Pioneer Parcel", "Logistics", "US"),
    ("Maple Transit", "Logistics", "CA"),
    ("Aurora Biotech", "Healthcare", "DK"),
    ("Cobalt Insurance", "Financial services", "GB"),
    ("Helix Robotics", "Manufacturing", "JP"),
    ("Lighthouse Media", "Software", "IE"),
    ("Riverbend Dairy", "Food & beverage", "NL"),
    ("Stonebridge Builders", "Construction", "GB"),
    ("Quartz Components", "Manufacturing", "IT"),
    ("Nimbus Cloudworks", "Software", "DE"),
    ("Sequoia Medical", "Healthcare", "US"),
    ("Westwind Airlines Cargo", "Logistics", "FR"),
    ("Beacon Pharmacy", "Retail", "BE"),
    ("Orchid Hotels", "Hospitality", "SG"),
    ("Falcon Fleet Services", "Logistics", "AU"),
    ("Trident Marine", "Logistics", "NO"),
    ("Juniper Apparel", "Retail", "ES"),
    ("Atlas Steelworks", "Manufacturing", "SE"),
)
FIRST_NAMES = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Lukas",
    "Maya",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Rosa",
    "Simon",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Yusuf",
    "Zoe",
    "Amelia",
    "Daniel",
    "Emma",
    "Finn",
    "Hannah",
    "Isaac",
    "Julia",
    "Leon",
    "Mila",
    "Oscar",
    "Priya",
    "Raj",
    "Sofia",
    "Tom",
    "Lena",
)
LAST_NAMES = (
    "Schmidt",
    "Fischer",
    "Weber",
    "Becker",
    "Hoffmann",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Martin",
    "Bernard",
    "Dubois",
    "Rossi",
    "Bianchi",
    "Garcia",
    "Lopez",
    "Jansen",
    "de Vries",
    "Nilsson",
    "Larsen",
    "Kowalski",
    "Novak",
    "Murphy",
    "Kelly",
    "Patel",
    "Khan",
    "Chen",
    "Nakamura",
    "Okafor",
    "Mensah",
    "Silva",
    "Costa",
    "Andersson",
    "Berg",
    "Moreau",
    "Ricci",
    "Hughes",
    "Clarke",
    "O'Brien",
)
# (title, relative frequency); the keywords line up with BUYING_ROLE_RULES and SCORING_RULES.
TITLES = (
    ("CEO", 2),
    ("CFO", 2),
    ("Chief Operating Officer", 2),
    ("VP of Operations", 4),
    ("VP Supply Chain", 3),
    ("Director of Logistics", 6),
    ("IT Director", 4),
    ("Head of Procurement", 5),
    ("Head of Transport", 5),
    ("Operations Manager", 10),
    ("Fleet Manager", 7),
    ("Procurement Manager", 6),
    ("Supply Chain Analyst", 8),
    ("Data Analyst", 5),
    ("Software Engineer", 5),
    ("Logistics Coordinator", 7),
)
FREEMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "gmx.de", "icloud.com", "proton.me")
FREEMAIL_TITLES = ("Student", "Consultant", "Freelance Dispatcher", "Operations Manager", "Founder")
FREEMAIL_COMPANIES = ("", "Self-employed", "University of Leeds", "TU Munich", "Freelance")
FREEMAIL_COUNTRIES = ("DE", "GB", "US", "IN", "BR", "FR", "NL")
PHONE_PREFIX = {
    "DE": "+49 30",
    "GB": "+44 20",
    "US": "+1 212",
    "CA": "+1 416",
    "FR": "+33 1",
    "NL": "+31 20",
    "SE": "+46 8",
    "AT": "+43 1",
    "CH": "+41 44",
    "NO": "+47 22",
    "ES": "+34 91",
    "PL": "+48 22",
    "IE": "+353 1",
    "DK": "+45 33",
    "IT": "+39 02",
    "BE": "+32 2",
}
EMPLOYEE_BUCKETS = (18, 45, 90, 180, 320, 650, 1200, 2400, 5200, 12000)

# --- Configuration ----------------------------------------------------------------------

# (name, attribute, value, points): whole-word title keywords, as apps.scoring.services matches.
SCORING_RULES = (
    ("C-level title", "title_keyword", "Chief", 20),
    ("CEO", "title_keyword", "CEO", 20),
    ("CFO", "title_keyword", "CFO", 20),
    ("VP title", "title_keyword", "VP", 20),
    ("Director title", "title_keyword", "Director", 15),
    ("Head-of title", "title_keyword", "Head", 15),
    ("Manager title", "title_keyword", "Manager", 8),
    ("Student", "title_keyword", "Student", -30),
    ("Enterprise (1000+ staff)", "employees_at_least", "1000", 10),
    ("Mid-market (200+ staff)", "employees_at_least", "200", 5),
    ("Too small (under 50)", "employees_below", "50", -10),
    ("Core industry: logistics", "industry", "Logistics", 8),
    ("Core industry: manufacturing", "industry", "Manufacturing", 8),
    ("Adjacent industry: retail", "industry", "Retail", 4),
    ("Home market: Germany", "country", "DE", 3),
    ("Home market: UK", "country", "GB", 3),
    ("Home market: US", "country", "US", 3),
    ("Referred", "source", "referral", 5),
)
# (keyword, role, order): the lowest order wins.
BUYING_ROLE_RULES = (
    ("CEO", "decision_maker", 10),
    ("CFO", "decision_maker", 10),
    ("Chief", "decision_maker", 10),
    ("VP", "decision_maker", 20),
    ("Director", "champion", 30),
    ("Head", "champion", 30),
    ("Manager", "influencer", 40),
    ("Analyst", "user", 50),
    ("Engineer", "user", 50),
    ("Coordinator", "user", 50),
)
# (code, label, min_attempts, note_required, is_junk, description)
DQ_REASONS = (
    (
        "student",
        "Student or job seeker",
        0,
        False,
        True,
        "Not a buyer: studying or looking for work.",
    ),
    ("competitor", "Competitor", 0, True, True, "Works for a competitor; say which one."),
    (
        "no-budget",
        "No budget this year",
        1,
        True,
        False,
        "Real need, no money before next fiscal year.",
    ),
    (
        "bad-data",
        "Bad or fake contact data",
        1,
        False,
        True,
        "Email bounces or the phone number is fake.",
    ),
    (
        "unreachable",
        "Unreachable after 6 attempts",
        6,
        False,
        False,
        "Six attempts, no answer (MIT/InsideSales).",
    ),
    ("not-a-fit", "Not a fit for the product", 1, True, False, "Needs something we do not build."),
    (
        "existing-vendor",
        "Locked into a vendor contract",
        1,
        True,
        False,
        "Contract runs for another year.",
    ),
)
DQ_WEIGHTS = {
    "student": 8,
    "competitor": 3,
    "no-budget": 20,
    "bad-data": 10,
    "unreachable": 25,
    "not-a-fit": 22,
    "existing-vendor": 12,
}
FREEMAIL_DQ_WEIGHTS = {"student": 50, "bad-data": 30, "not-a-fit": 20}
DQ_NOTES = {
    "competitor": "Works at a competitor, downloading our whitepapers for research.",
    "no-budget": "Budget frozen until next fiscal year; revisit in Q1.",
    "not-a-fit": "Needs ocean freight booking, which we do not do.",
    "existing-vendor": "Signed a three-year deal with their TMS vendor last spring.",
}
CHURN_REASONS = (
    ("price", "Price"),
    ("switched-competitor", "Switched to a competitor"),
    ("no-adoption", "Low adoption"),
    ("business-closed", "Company closed or acquired"),
)


@dataclass(frozen=True, slots=True)
class DemoCampaign:
    slug: str
    name: str
    channel: str
    start_offset: int | None  # days from the anchor; None = the next quarter
    end_offset: int | None
    budget: int
    goal: str
    message: str
    call_to_action: str
    sequence: str


CAMPAIGNS = (
    DemoCampaign(
        "freight-visibility-webinars",
        "Freight visibility webinar series",
        "webinar",
        -125,
        -15,
        18000,
        "Fill the pipeline with operations leaders who feel the pain of late shipments.",
        "Know where every shipment is before your customer asks.",
        "Register for the live session",
        "Invite\nReminder 1 day before\nRecording + case study\nSDR call for attendees who asked a question",
    ),
    DemoCampaign(
        "search-route-planning",
        "Paid search: route planning",
        "paid_search",
        -120,
        30,
        24000,
        "Capture buyers actively searching for route planning software.",
        "Plan tomorrow's routes in minutes, not hours.",
        "Start a free trial or book a demo",
        "Ad click\nLanding page\nRetargeting for 14 days",
    ),
    DemoCampaign(
        "abm-target-accounts",
        "LinkedIn ABM: target accounts",
        "paid_social",
        -60,
        40,
        30000,
        "Engage whole buying groups at our 12 target accounts.",
        "Your competitors already track their fleet in real time.",
        "Talk to an expert",
        "Sponsored post to ops leaders\nSponsored post to finance\nInMail from the account owner",
    ),
    DemoCampaign(
        "logistics-summit",
        "Logistics Summit Berlin booth",
        "event",
        -95,
        -88,
        22000,
        "Meet 300 logistics decision makers and book 40 meetings.",
        "Live demo: from order to proof of delivery on one screen.",
        "Book a meeting at booth B12",
        "Pre-event invite\nBooth scan\nThank-you email with deck\nSDR call within 2 days",
    ),
    DemoCampaign(
        "nurture-ops-leaders",
        "Nurture: operations leaders",
        "email",
        -120,
        60,
        6000,
        "Keep early-stage leads warm until they raise a hand.",
        "Practical playbooks for leaner logistics operations.",
        "Read the playbook",
        "Welcome\nPlaybook download\nCase study\nPricing explainer\nDemo invitation",
    ),
    DemoCampaign(
        "partner-referrals",
        "Partner referrals: TMS integrators",
        "partner",
        -45,
        45,
        8000,
        "Turn integration partners into a steady source of qualified intros.",
        "Certified integrations with the TMS you already run.",
        "Request an intro through your partner",
        "Partner enablement\nCo-branded one-pager\nIntro request form",
    ),
    DemoCampaign(
        "analytics-launch",
        "Launch: delivery analytics add-on",
        "content",
        None,
        None,
        15000,
        "Launch the analytics add-on to customers and late-stage prospects.",
        "See which lanes and carriers cost you margin.",
        "Join the launch webinar",
        "Teaser email\nLaunch webinar\nCustomer upsell sequence",
    ),
)
CAMPAIGN_COST_RATIO = {
    "freight-visibility-webinars": 0.92,
    "search-route-planning": 1.05,
    "abm-target-accounts": 0.85,
    "logistics-summit": 1.1,
    "nurture-ops-leaders": 0.7,
    "partner-referrals": 0.6,
    "analytics-launch": 0.0,
}


@dataclass(frozen=True, slots=True)
class DemoAsset:
    slug: str
    name: str
    campaign: str | None
    kind: str
    topic: str
    weight: int
    popularity: int
    intent_note: str
    hand_raiser: bool = False
    is_public_form: bool = False


ASSETS = (
    DemoAsset(
        "pricing",
        "Pricing page",
        None,
        "pricing",
        "pricing",
        15,
        6,
        "Built to answer 'what will this cost us?'. A visit signals budgeting has started: "
        "the buyer is comparing vendors, not learning about the problem.",
    ),
    DemoAsset(
        "product-tour",
        "Product tour video",
        None,
        "video",
        "visibility",
        8,
        6,
        "A 4-minute tour of live tracking. Watching it signals they want to see the product, "
        "usually after a late-shipment escalation.",
    ),
    DemoAsset(
        "case-study-nordic-freight",
        "Customer story: Nordic Freight",
        None,
        "case_study",
        "customer proof",
        10,
        5,
        "Proof that a mid-size carrier cut 'where is my order' calls by 60%. Reading it signals "
        "they need a story to sell internally.",
    ),
    DemoAsset(
        "blog-late-deliveries",
        "Blog: 7 causes of late deliveries",
        None,
        "page",
        "visibility",
        2,
        14,
        "Top-of-funnel SEO article. Signals curiosity about delivery delays, not buying intent.",
    ),
    DemoAsset(
        "blog-route-costs",
        "Blog: what a bad route really costs",
        None,
        "page",
        "route planning",
        2,
        12,
        "SEO article for planners. Signals fuel or overtime cost pressure.",
    ),
    DemoAsset(
        "newsletter",
        "Newsletter sign-up",
        None,
        "form",
        "visibility",
        3,
        5,
        "Opt-in for the monthly ops newsletter. Signals interest, not a project.",
    ),
    DemoAsset(
        "demo-request",
        "Demo request",
        None,
        "demo_request",
        "visibility",
        40,
        0,
        "The buyer asked for a demo: call within 5 minutes. Signals an active evaluation.",
        hand_raiser=True,
        is_public_form=True,
    ),
    DemoAsset(
        "contact-sales",
        "Contact sales",
        None,
        "contact_sales",
        "pricing",
        40,
        0,
        "A direct request to talk to sales, often about pricing or a deadline. Call now.",
        hand_raiser=True,
    ),
    DemoAsset(
        "webinar-live-tracking",
        "Webinar: live tracking without the chaos",
        "freight-visibility-webinars",
        "webinar",
        "visibility",
        12,
        6,
        "We meant: show how dispatchers see exceptions before customers call. Attending signals "
        "a visibility problem big enough to spend an hour on.",
    ),
    DemoAsset(
        "whitepaper-visibility",
        "Whitepaper: the state of freight visibility",
        "freight-visibility-webinars",
        "whitepaper",
        "visibility",
        10,
        6,
        "Benchmark report. Downloading it signals they are building a business case.",
    ),
    DemoAsset(
        "ad-route-planning",
        "Search ad: route planning software",
        "search-route-planning",
        "ad",
        "route planning",
        3,
        10,
        "Captures 'route planning software' searches. Signals an active search for a tool.",
    ),
    DemoAsset(
        "landing-route-planner",
        "Landing page: route planner",
        "search-route-planning",
        "page",
        "route planning",
        6,
        7,
        "Where the search ads land. Staying signals a planner comparing tools this month.",
    ),
    DemoAsset(
        "abm-ops-post",
        "Sponsored post: ops leaders",
        "abm-target-accounts",
        "ad",
        "visibility",
        3,
        8,
        "For the operations buyer at target accounts. Signals the account is paying attention.",
    ),
    DemoAsset(
        "abm-finance-post",
        "Sponsored post: cost of delays for finance",
        "abm-target-accounts",
        "ad",
        "pricing",
        4,
        5,
        "For finance at target accounts. A click signals the economic buyer is looking.",
    ),
    DemoAsset(
        "summit-booth",
        "Logistics Summit booth scan",
        "logistics-summit",
        "event",
        "visibility",
        8,
        40,
        "Badge scanned at booth B12 after a live demo. Signals a conversation already happened.",
    ),
    DemoAsset(
        "playbook-lean-ops",
        "Playbook: leaner logistics operations",
        "nurture-ops-leaders",
        "email",
        "route planning",
        4,
        7,
        "Nurture email with the playbook. A click signals the lead is still reading.",
    ),
    DemoAsset(
        "email-pricing-explainer",
        "Email: how our pricing works",
        "nurture-ops-leaders",
        "email",
        "pricing",
        6,
        4,
        "Late nurture step. A click signals they are close to asking for a quote.",
    ),
    DemoAsset(
        "partner-intro",
        "Partner intro request",
        "partner-referrals",
        "form",
        "integrations",
        30,
        0,
        "A TMS partner asked us to call their client. Treat like a demo request.",
        hand_raiser=True,
    ),
)
ASSET_TOUCH_KIND = {
    "page": "page_view",
    "pricing": "page_view",
    "case_study": "page_view",
    "video": "page_view",
    "whitepaper": "download",
    "webinar": "webinar",
    "email": "email_click",
    "form": "form_submit",
    "demo_request": "form_submit",
    "contact_sales": "form_submit",
    "ad": "ad_click",
    "event": "event",
}
HAND_RAISERS = ("demo-request", "contact-sales")
CHANNEL_SOURCE = {
    "paid_search": "paid",
    "paid_social": "paid",
    "event": "event",
    "partner": "partner",
    "referral": "referral",
}

# (name, priority, is_default, is_account_play, tier, role, min_score, assets, campaigns, talk track, steps)
PlayConfig = tuple[
    str,
    int,
    bool,
    bool,
    str,
    str,
    int | None,
    tuple[str, ...],
    tuple[str, ...],
    str,
    tuple[tuple[str, int, str, str], ...],
]
PLAYS: tuple[PlayConfig, ...] = (
    (
        "Hand-raiser: demo request",
        200,
        False,
        False,
        "",
        "",
        None,
        ("demo-request", "contact-sales", "partner-intro"),
        (),
        "They asked for us. Confirm the trigger (deadline, incident, contract end), then book the demo.",
        (
            ("call", 5, "Call now", "Hi {first_name}, you asked for a demo a few minutes ago..."),
            ("email", 15, "Email a calendar link", "Here are three slots for a 30-minute demo."),
            ("call", 1440, "Second call", "Following up on your demo request."),
            ("linkedin", 2880, "Connect on LinkedIn", "Thanks for your interest in live tracking."),
        ),
    ),
    (
        "Target account: buying group",
        150,
        False,
        True,
        "target",
        "",
        None,
        (),
        ("abm-target-accounts",),
        "Several people at this account are engaging. Map the buying group before pitching.",
        (
            (
                "call",
                5,
                "Call the most engaged contact",
                "Your team has been looking at visibility...",
            ),
            (
                "linkedin",
                60,
                "Connect with the economic buyer",
                "I work with your operations team...",
            ),
            (
                "email",
                1440,
                "Send the account brief",
                "A one-page view of what your peers achieved.",
            ),
            (
                "meeting",
                7200,
                "Propose a group workshop",
                "A 45-minute session with ops and finance.",
            ),
        ),
    ),
    (
        "Webinar follow-up",
        120,
        False,
        False,
        "",
        "",
        None,
        ("webinar-live-tracking",),
        ("freight-visibility-webinars",),
        "Open with the webinar: which exception story matched theirs?",
        (
            ("call", 5, "Call about the webinar", "What made you join the live tracking session?"),
            (
                "email",
                30,
                "Send recording and case study",
                "Here is the recording and the Nordic Freight story.",
            ),
            ("call", 2880, "Follow-up call", "Did the case study match your situation?"),
        ),
    ),
    (
        "Executive outreach",
        110,
        False,
        False,
        "",
        "decision_maker",
        40,
        (),
        (),
        "Short and about money: cost of late deliveries, payback period, peers' results.",
        (
            ("call", 5, "Call the executive", "I will keep this to two minutes."),
            (
                "email",
                60,
                "Send the ROI one-pager",
                "Payback in under six months for carriers your size.",
            ),
            (
                "linkedin",
                4320,
                "LinkedIn follow-up",
                "Sharing a benchmark your peers found useful.",
            ),
        ),
    ),
    (
        "Qualify the need",
        10,
        True,
        False,
        "",
        "",
        None,
        (),
        (),
        "Default play: find the trigger, the owner of the problem and the timeline.",
        (
            ("call", 5, "Discovery call", "What prompted you to look at us now?"),
            ("email", 120, "Recap email", "Thanks for the chat; here is what we discussed."),
            ("call", 2880, "Second attempt", "Trying you again about your shipment visibility."),
        ),
    ),
)
PLAY_HAND_RAISER, PLAY_ACCOUNT, PLAY_WEBINAR, PLAY_EXECUTIVE, PLAY_DEFAULT = (p[0] for p in PLAYS)
PLAY_STEPS = {p[0]: p[10] for p in PLAYS}

# (metric, name, target per 400 leads or absolute, scales with leads, lower is better, teams m/s/s)
GoalConfig = tuple[str, str, float, bool, bool, tuple[bool, bool, bool]]
GOALS: tuple[GoalConfig, ...] = (
    (Metric.SALES_READY_LEADS, "Sales-ready leads", 160, True, False, (True, True, False)),
    (
        Metric.SPEED_TO_LEAD_MEDIAN,
        "Speed to lead (median minutes)",
        5,
        False,
        True,
        (False, True, False),
    ),
    (
        Metric.SLA_COMPLIANCE,
        "First responses inside the SLA",
        85,
        False,
        False,
        (False, True, False),
    ),
    (Metric.FOLLOW_UP_RATE, "Ready leads followed up", 98, False, False, (True, True, False)),
    (Metric.PIPELINE_CREATED, "Pipeline created", 2_400_000, True, False, (True, True, False)),
    (Metric.REVENUE_WON, "Revenue won", 800_000, True, False, (True, True, True)),
    (Metric.WIN_RATE, "Win rate", 35, False, False, (False, True, False)),
    (
        Metric.COST_PER_READY_LEAD,
        "Cost per sales-ready lead",
        250,
        False,
        True,
        (True, False, False),
    ),
    (
        Metric.GROSS_REVENUE_RETENTION,
        "Gross revenue retention",
        90,
        False,
        False,
        (False, False, True),
    ),
    (Metric.EXPANSION_REVENUE, "Expansion revenue", 120_000, True, False, (False, True, True)),
    (Metric.DISQUALIFICATION_RATE, "Disqualification rate", 30, False, True, (True, True, False)),
)
# Which goals each quarter carries: previous, current, next.
QUARTER_GOALS = ((0, 1, 2, 4, 5, 8), (0, 1, 2, 3, 4, 5, 6, 7), (0, 2, 4, 5, 9))

VOICE_QUOTES = (
    ("Dispatch finally stopped calling drivers for ETAs.", ("visibility", "time saved"), "QBR"),
    (
        "We need the carrier scorecard in the monthly report, not a separate export.",
        ("reporting", "feature request"),
        "support ticket",
    ),
    (
        "Onboarding took two weeks longer than promised.",
        ("onboarding", "complaint"),
        "renewal call",
    ),
    (
        "Route plans are 20 minutes instead of two hours every evening.",
        ("route planning", "time saved"),
        "QBR",
    ),
    (
        "Finance asked why we pay per vehicle when half the fleet is parked in winter.",
        ("pricing", "risk"),
        "renewal call",
    ),
    (
        "Customers love the live tracking link in the SMS.",
        ("visibility", "customer experience"),
        "NPS comment",
    ),
    (
        "Your TMS integration broke after their update; we lost a day.",
        ("integrations", "complaint"),
        "support ticket",
    ),
    (
        "We'd buy the analytics add-on if it covered cold-chain temperatures.",
        ("analytics", "expansion"),
        "QBR",
    ),
)
ACTIVITY_NOTES = {
    "connected": (
        "Spoke for 10 minutes; evaluating vendors this quarter.",
        "Connected; asked for pricing.",
        "Good call, they want a technical deep-dive.",
    ),
    "voicemail": ("Left voicemail referencing the webinar.", "Voicemail, will try email next."),
    "no_answer": ("No answer.", "No answer, rang out.", ""),
    "bounced": ("Email bounced.",),
    "replied": ("Replied: 'send me something to read first'.", "Replied, busy until next week."),
    "meeting_booked": (
        "Demo booked with ops lead and IT.",
        "Discovery meeting booked for Thursday.",
    ),
}
DEAL_PRODUCTS = ("Live tracking", "Route planning", "Visibility platform", "Fleet analytics")
LOST_REASONS = (
    "Chose a competitor",
    "No decision",
    "Budget cut",
    "Timing: revisit next year",
    "Missing TMS integration",
)
HEALTH_NOTES = {
    "green": "Adoption up, champion engaged.",
    "yellow": "Usage dipped after reorg.",
    "red": "Exec sponsor left; renewal at risk.",
}


# --- Plan types ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountPlan:
    name: str
    domain: str
    industry: str
    employees: int
    country: str
    tier: str
    owner: str | None
    lifecycle: str
    became_customer_at: datetime | None
    health: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TouchPlan:
    kind: str
    campaign: str | None
    asset: str | None
    occurred_at: datetime
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ActivityPlan:
    channel: str
    outcome: str
    note: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class EventPlan:
    kind: str
    actor: str | None
    reason: str
    old_value: str
    new_value: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepPlan:
    order: int
    channel: str
    title: str
    template: str
    due_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class LeadPlayPlan:
    play: str
    attached_at: datetime
    match_reason: str
    steps: tuple[StepPlan, ...]


@dataclass(frozen=True, slots=True)
class DisqualificationPlan:
    reason: str
    note: str
    attempts: int
    at: datetime
    review_status: str
    reviewer: str | None
    action_note: str
    reviewed_at: datetime | None
    dispute_outcome: str


@dataclass(frozen=True, slots=True)
class OpportunityPlan:
    account: str
    owner: str
    name: str
    amount: Decimal
    stage: str
    type: str
    origin: str
    created_at: datetime
    expected_close: date | None
    closed_at: datetime | None
    lost_reason: str


@dataclass(frozen=True, slots=True)
class LeadPlan:
    index: int
    email: str
    first_name: str
    last_name: str
    title: str
    buying_role: str
    phone: str
    country: str
    company_name: str
    account: str | None
    source: str
    campaign: str | None
    fit_score: int
    engagement_score: float
    score: int
    status: str
    owner: str | None
    assignment_version: int
    assigned_at: datetime | None
    ready_at: datetime | None
    ready_reason: str
    routing_rule: str | None
    pooled_at: datetime | None
    first_response_at: datetime | None
    sla_due_at: datetime | None
    sla_state: str
    sla_breached_at: datetime | None
    breached_owner: str | None
    escalated_at: datetime | None
    attempt_count: int
    last_touch_at: datetime
    converted_at: datetime | None
    disqualified_at: datetime | None
    created_at: datetime
    updated_at: datetime
    touchpoints: tuple[TouchPlan, ...]
    activities: tuple[ActivityPlan, ...]
    activity_rep: str | None
    events: tuple[EventPlan, ...]
    play: LeadPlayPlan | None
    disqualification: DisqualificationPlan | None
    opportunity: OpportunityPlan | None


@dataclass(frozen=True, slots=True)
class RenewalPlan:
    account: str
    due_on: date
    amount: Decimal
    outcome: str
    renewed_amount: Decimal | None
    churn_reason: str | None
    churn_note: str
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class HealthPlan:
    account: str
    health: str
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class VoicePlan:
    account: str
    quote: str
    tags: tuple[str, ...]
    context: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ServicePlan:
    renewals: tuple[RenewalPlan, ...]
    health_checks: tuple[HealthPlan, ...]
    voice_notes: tuple[VoicePlan, ...]
    expansions: tuple[OpportunityPlan, ...]


@dataclass(frozen=True, slots=True)
class QuarterPlan:
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class DemoPlan:
    quarters: tuple[QuarterPlan, ...]
    accounts: tuple[AccountPlan, ...]
    leads: tuple[LeadPlan, ...]
    service: ServicePlan


# --- Planning: pure functions of (seed, leads, anchor) ------------------------------------


def anchor_for(today: date) -> datetime:
    """Today at 00:00 UTC: every seeded timestamp is this minus a deterministic offset."""
    return datetime.combine(today, time(0), tzinfo=UTC)


def plan_quarters(anchor: datetime) -> tuple[QuarterPlan, ...]:
    """The previous, current and next calendar quarter around the anchor, dates inclusive."""
    index = anchor.year * 4 + (anchor.month - 1) // 3
    quarters = []
    for i in (index - 1, index, index + 1):
        year, q = divmod(i, 4)
        starts = date(year, 3 * q + 1, 1)
        next_start = date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)
        quarters.append(QuarterPlan(f"{year}-Q{q + 1}", starts, next_start - timedelta(days=1)))
    return tuple(quarters)


def campaign_window(campaign: DemoCampaign, anchor: datetime) -> tuple[date, date]:
    """Start and end dates, never before the previous quarter (the oldest one seeded)."""
    previous, _, upcoming = plan_quarters(anchor)
    if campaign.start_offset is None or campaign.end_offset is None:
        return upcoming.starts_on, upcoming.ends_on
    today = anchor.date()
    starts = max(previous.starts_on, today + timedelta(days=campaign.start_offset))
    ends = max(starts, today + timedelta(days=campaign.end_offset))
    return starts, ends


def plan_accounts(*, seed: int, anchor: datetime) -> tuple[AccountPlan, ...]:
    rng = random.Random(f"{seed}:accounts")
    order = list(range(len(COMPANIES)))
    rng.shuffle(order)
    targets = set(order[:12])
    customers = set(order[12:20])
    churned = set(order[20:22])
    plans = []
    for i, (name, industry, country) in enumerate(COMPANIES):
        employees = rng.choice(EMPLOYEE_BUCKETS) + rng.randint(0, 40)
        tier = "target" if i in targets else "standard"
        owner: str | None = None
        if tier == "target" or rng.random() < 0.15:
            owner = "sara" if country in NORTH_AMERICA or rng.random() < 0.4 else "sam"
        lifecycle, became, health = "prospect", None, ""
        if i in customers or i in churned:
            lifecycle = "customer" if i in customers else "churned"
            became = anchor - timedelta(days=rng.randint(200, 900), seconds=rng.randint(0, 86399))
            health = rng.choice(("green", "green", "yellow", "red")) if i in customers else "red"
        plans.append(
            AccountPlan(
                name=name,
                domain=_domain(name),
                industry=industry,
                employees=employees,
                country=country,
                tier=tier,
                owner=owner,
                lifecycle=lifecycle,
                became_customer_at=became,
                health=health,
                created_at=anchor - timedelta(days=rng.randint(130, 1000)),
            )
        )
    return tuple(plans)


def _domain(name: str) -> str:
    return f"{slugify(name)}.example"


def _local_part(first: str, last: str, index: int) -> str:
    return f"{re.sub('[^a-z]', '', first.lower())}.{re.sub('[^a-z]', '', last.lower())}{index + 1}"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


# Lead statuses the first leads always take, so every status, SLA state, review state and
# opportunity stage appears however few leads are asked for.
SHOWCASE = (
    ("converted", "won"),
    ("converted", "lost"),
    ("converted", "discovery"),
    ("converted", "demo"),
    ("converted", "proposal"),
    ("converted", "negotiation"),
    ("disqualified", "acknowledged"),
    ("disqualified", "disputed"),
    ("disqualified", "open"),
    ("working", "met"),
    ("working", "breached"),
    ("ready", "pending"),
    ("ready", "pool"),
    ("nurture", ""),
)
ACCOUNT_STATUS_WEIGHTS = {
    "nurture": 46,
    "ready": 5,
    "working": 8,
    "converted": 13,
    "disqualified": 28,
}
FREEMAIL_STATUS_WEIGHTS = {"nurture": 60, "ready": 4, "working": 6, "disqualified": 30}


@dataclass(frozen=True, slots=True)
class _Identity:
    rng: random.Random
    email: str
    first_name: str
    last_name: str
    account: AccountPlan | None


def _identity(seed: int, index: int, accounts: Sequence[AccountPlan]) -> _Identity:
    rng = random.Random(f"{seed}:{index}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    freemail = index >= len(SHOWCASE) and rng.random() < 0.10
    account = None
    if freemail:
        domain = rng.choice(FREEMAIL_DOMAINS)
    else:
        # Target accounts attract more people: the buying groups the ABM views show.
        account = rng.choices(accounts, weights=[3 if a.tier == "target" else 1 for a in accounts])[
            0
        ]
        domain = account.domain
    return _Identity(rng, f"{_local_part(first, last, index)}@{domain}", first, last, account)


def lead_emails(*, seed: int, start: int, stop: int, accounts: Sequence[AccountPlan]) -> list[str]:
    """The emails of leads start..stop-1, without planning the rest of them."""
    return [_identity(seed, i, accounts).email for i in range(start, stop)]


@dataclass
class _Calendar:
    """Anchor-derived lookups shared by every lead of a run (computed once per run)."""

    anchor: datetime
    assets: dict[str, DemoAsset]
    day_assets: list[
        tuple[list[DemoAsset], list[int]]
    ]  # per day back: eligible assets, cum weights
    next_business_start: datetime

    @classmethod
    def build(cls, anchor: datetime) -> _Calendar:
        windows = {c.slug: campaign_window(c, anchor) for c in CAMPAIGNS}
        day_assets = []
        for back in range(LEAD_WINDOW_DAYS + 40):
            day = anchor.date() - timedelta(days=back)
            eligible = [
                a
                for a in ASSETS
                if not a.hand_raiser
                and a.popularity
                and (a.campaign is None or windows[a.campaign][0] <= day <= windows[a.campaign][1])
            ]
            cum, total = [], 0
            for a in eligible:
                total += a.popularity
                cum.append(total)
            day_assets.append((eligible, cum))
        day = anchor.astimezone(BERLIN).date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, time(9, 0), tzinfo=BERLIN).astimezone(UTC)
        return cls(anchor, {a.slug: a for a in ASSETS}, day_assets, start)

    def asset_at(self, rng: random.Random, at: datetime) -> DemoAsset:
        back = min(len(self.day_assets) - 1, max(0, (self.anchor - at).days))
        eligible, cum = self.day_assets[back]
        return eligible[bisect(cum, rng.random() * cum[-1])]

    def business_moment(self, rng: random.Random, days_back: int) -> datetime:
        """A time inside Berlin business hours on a weekday `days_back` days before the anchor."""
        day = self.anchor.date() - timedelta(days=days_back)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        local = datetime.combine(day, time(9, 0), tzinfo=BERLIN) + timedelta(
            seconds=rng.randint(0, 27000)
        )
        return local.astimezone(UTC)


def plan_leads(
    *,
    seed: int,
    anchor: datetime,
    start: int,
    stop: int,
    accounts: Sequence[AccountPlan],
    calendar: _Calendar | None = None,
) -> list[LeadPlan]:
    """Plans for leads start..stop-1: each lead with its journey, work and outcome."""
    calendar = calendar or _Calendar.build(anchor)
    return [_plan_lead(_identity(seed, i, accounts), i, calendar) for i in range(start, stop)]


def _fit(title: str, account: AccountPlan | None, country: str, source: str) -> int:
    words = f" {title.lower()} "
    total = 0
    for _, attribute, value, points in SCORING_RULES:
        hit = False
        if attribute == "title_keyword":
            hit = f" {value.lower()} " in words
        elif attribute == "employees_at_least":
            hit = account is not None and account.employees >= int(value)
        elif attribute == "employees_below":
            hit = account is not None and account.employees < int(value)
        elif attribute == "industry":
            hit = account is not None and account.industry == value
        elif attribute == "country":
            hit = country == value
        elif attribute == "source":
            hit = source == value
        if hit:
            total += points
    return max(0, min(100, total))


def _buying_role(title: str) -> str:
    words = f" {title.lower()} "
    for keyword, role, _ in sorted(BUYING_ROLE_RULES, key=lambda r: (r[2], r[0])):
        if f" {keyword.lower()} " in words or (len(keyword) > 3 and keyword.lower() in words):
            return role
    return "unknown"


def _engagement(
    touches: Sequence[TouchPlan], assets: dict[str, DemoAsset], anchor: datetime
) -> float:
    kind_weights = {"meeting": 15, "page_view": 1}
    total = 0.0
    for t in touches:
        weight = assets[t.asset].weight if t.asset else kind_weights.get(t.kind, 1)
        age = (anchor - t.occurred_at).total_seconds() / 86400
        total += weight * 0.5 ** (age / HALF_LIFE_DAYS)
    return round(total, 2)


def _seconds(rng: random.Random, low: float, high: float) -> timedelta:
    """A whole number of seconds between `low` and `high` (given in seconds)."""
    return timedelta(seconds=rng.randint(int(low), int(high)))


HOUR, DAY = 3600, 86400


def _plan_lead(ident: _Identity, index: int, cal: _Calendar) -> LeadPlan:
    rng, anchor, account = ident.rng, cal.anchor, ident.account
    # Who they are.
    if account is None:
        title = rng.choice(FREEMAIL_TITLES)
        country = rng.choice(FREEMAIL_COUNTRIES)
        company = rng.choice(FREEMAIL_COMPANIES)
    else:
        title = rng.choices([t for t, _ in TITLES], weights=[w for _, w in TITLES])[0]
        country = account.country
        company = account.name
    phone = f"{PHONE_PREFIX.get(country, '+1 555')} {rng.randint(1000000, 9999999)}"
    role = _buying_role(title)

    # What happens to them.
    if index < len(SHOWCASE):
        status, variant = SHOWCASE[index]
    else:
        status = _weighted(
            rng, FREEMAIL_STATUS_WEIGHTS if account is None else ACCOUNT_STATUS_WEIGHTS
        )
        variant = ""
    routed = status != "nurture"

    # When: routed leads get a ready moment first and a journey before it.
    ready_at: datetime | None = None
    if status == "ready":
        # Raised a hand last night, after business hours: due next business morning.
        ready_at = anchor - _seconds(rng, 20 * 60, 7 * HOUR)
    elif status == "working":
        ready_at = cal.business_moment(rng, rng.randint(1, 14))
    elif status == "converted":
        closed = variant in ("won", "lost")
        ready_at = cal.business_moment(rng, rng.randint(75, 110) if closed else rng.randint(8, 115))
    elif status == "disqualified":
        ready_at = cal.business_moment(rng, rng.randint(12, 60) if variant else rng.randint(3, 115))
    if ready_at is not None:
        room = (ready_at - (anchor - timedelta(days=LEAD_WINDOW_DAYS))).total_seconds()
        created_at = ready_at - _seconds(rng, min(2 * HOUR, room), min(35 * DAY, room))
        journey_end = ready_at
    else:
        created_at = anchor - _seconds(rng, 2 * HOUR, LEAD_WINDOW_DAYS * DAY)
        journey_end = min(anchor - timedelta(minutes=1), created_at + timedelta(days=45))

    # Why ready: a hand-raiser, the score, or the account's whole buying group.
    ready_reason = ""
    if routed:
        if account and account.tier == "target" and account.owner and rng.random() < 0.2:
            ready_reason = "account"
        elif rng.random() < 0.6 or status == "ready":
            ready_reason = "hand_raiser"
        else:
            ready_reason = "score"

    # The journey: about ten touches from the first one to the ready moment.
    count = rng.randint(6, 14)
    span = max(1, int((journey_end - created_at).total_seconds()))
    moments = sorted(
        [created_at]
        + [created_at + timedelta(seconds=rng.randint(0, span)) for _ in range(count - 1)]
    )
    touches: list[TouchPlan] = []
    for j, at in enumerate(moments):
        if j == len(moments) - 1 and ready_reason == "hand_raiser":
            slug = "partner-intro" if rng.random() < 0.1 else rng.choice(HAND_RAISERS)
            asset = cal.assets[slug]
            at = journey_end
        else:
            asset = cal.asset_at(rng, at)
        meta: dict[str, Any] = {}
        if asset.kind == "ad":
            meta = {
                "utm_source": "linkedin" if asset.campaign == "abm-target-accounts" else "google",
                "utm_campaign": asset.campaign,
            }
        touches.append(
            TouchPlan(ASSET_TOUCH_KIND[asset.kind], asset.campaign, asset.slug, at, meta)
        )

    first_campaign = touches[0].campaign
    channel = next((c.channel for c in CAMPAIGNS if c.slug == first_campaign), "")
    source = CHANNEL_SOURCE.get(channel, "web_form")
    fit = _fit(title, account, country, source)

    # Routing: the account owner first, else the first matching rule's weighted pool.
    owner: str | None = None
    rule: str | None = None
    pool = (
        status == "ready"
        and variant == "pool"
        or (status == "ready" and not variant and rng.random() < 0.2)
    )
    if routed and not pool:
        if account and account.owner:
            owner = account.owner
        elif country in EMEA:
            owner, rule = "sam", "EMEA"
        elif country in NORTH_AMERICA:
            owner, rule = "sara", "North America"
        else:
            owner = rng.choices(REPS, weights=[REP_WEIGHTS[r] for r in REPS])[0]
            rule = "Everywhere else"

    # Work: the SLA clock, attempts, the outcome.
    activities: list[ActivityPlan] = []
    sla_due_at = first_response = breached_at = escalated_at = None
    sla_state = ""
    converted_at = disqualified_at = None
    assigned_at = ready_at if owner else None
    if owner and ready_at is not None and status == "ready":
        sla_due_at, sla_state = cal.next_business_start + timedelta(minutes=5), "pending"
    elif owner and ready_at is not None:
        sla_due_at = ready_at + timedelta(minutes=5)
        met = variant == "met" or (variant != "breached" and rng.random() < 0.68)
        delay = _seconds(rng, 40, 290) if met else _seconds(rng, 6 * 60, 6 * HOUR)
        first_response = ready_at + delay
        sla_state = "met" if met else "breached"
        if not met:
            breached_at = sla_due_at
            if delay > timedelta(minutes=15):
                escalated_at = sla_due_at + timedelta(minutes=10)
        activities = _plan_activities(rng, status, first_response, anchor)

    dq: DisqualificationPlan | None = None
    opp: OpportunityPlan | None = None
    if status == "converted" and activities and account and owner:
        converted_at = activities[-1].occurred_at + _seconds(rng, 10 * 60, 2 * HOUR)
        opp = _plan_opportunity(rng, variant, account, owner, converted_at, anchor)
    if status == "disqualified" and owner:
        reason = _weighted(rng, FREEMAIL_DQ_WEIGHTS if account is None else DQ_WEIGHTS)
        minimum = next(r[2] for r in DQ_REASONS if r[0] == reason)
        while len(activities) < minimum:
            last = activities[-1].occurred_at
            activities.append(
                ActivityPlan(
                    "call",
                    "no_answer",
                    "No answer.",
                    min(
                        last + _seconds(rng, 4 * HOUR, 2 * DAY),
                        anchor - timedelta(minutes=30 - len(activities)),
                    ),
                )
            )
        activities.sort(key=lambda a: a.occurred_at)
        disqualified_at = min(
            activities[-1].occurred_at + _seconds(rng, 5 * 60, DAY), anchor - timedelta(minutes=1)
        )
        dq = _plan_disqualification(rng, variant, reason, len(activities), disqualified_at, anchor)

    # The play handed over with the lead.
    play = None
    if owner and assigned_at:
        play = _plan_play(rng, ready_reason, touches, role, fit, assigned_at, activities, anchor)

    touched_until = max(t.occurred_at for t in touches)
    if status == "converted" and converted_at:
        touches.append(TouchPlan("meeting", None, None, converted_at - timedelta(minutes=30), {}))
        touched_until = max(touched_until, converted_at - timedelta(minutes=30))
    engagement = _engagement(touches, cal.assets, anchor)
    if status == "nurture":
        # A nurture lead at the threshold would already be ready: its journey stops earlier.
        while len(touches) > 2 and fit + round(engagement) >= SCORE_THRESHOLD:
            touches.pop()
            engagement = _engagement(touches, cal.assets, anchor)
        touched_until = touches[-1].occurred_at

    # The history, as the services would have written it.
    events = [EventPlan("created", None, "seed", "", ident.email, created_at, {"source": source})]
    final_status = status
    final_owner = owner
    if routed and ready_at is not None:
        events.append(
            EventPlan(
                "status",
                None,
                "seed",
                "nurture",
                "ready",
                ready_at,
                {"ready_reason": ready_reason, "agreement": 1},
            )
        )
        events.append(
            EventPlan(
                "owner",
                None,
                "seed",
                "",
                owner or "pool",
                ready_at,
                {"assignment_version": 1 if owner else 0},
            )
        )
        if play:
            events.append(EventPlan("play", None, "seed", "", play.play, ready_at))
        if sla_due_at:
            events.append(
                EventPlan(
                    "sla", None, "seed", "", "pending", ready_at, {"due_at": sla_due_at.isoformat()}
                )
            )
        for k, act in enumerate(activities):
            events.append(
                EventPlan(
                    "attempt",
                    owner,
                    "attempt logged",
                    "",
                    act.outcome,
                    act.occurred_at,
                    {"channel": act.channel},
                )
            )
            if k == 0:
                if breached_at:
                    events.append(
                        EventPlan(
                            "sla",
                            None,
                            "seed",
                            "pending",
                            "breached",
                            breached_at,
                            {"owner": owner},
                        )
                    )
                else:
                    events.append(
                        EventPlan("sla", owner, "first attempt", "pending", "met", act.occurred_at)
                    )
                events.append(
                    EventPlan("status", owner, "first attempt", "ready", "working", act.occurred_at)
                )
        if converted_at:
            events.append(
                EventPlan("status", owner, "converted", "working", "converted", converted_at)
            )
        if disqualified_at and dq:
            events.append(
                EventPlan("status", owner, dq.reason, "working", "disqualified", disqualified_at)
            )
            if dq.review_status == "disputed" and dq.reviewed_at:
                events.append(
                    EventPlan(
                        "status",
                        "mia",
                        "disqualification disputed",
                        "disqualified",
                        "nurture",
                        dq.reviewed_at,
                    )
                )
                events.append(
                    EventPlan(
                        "owner",
                        "mia",
                        "disqualification disputed",
                        owner or "",
                        "",
                        dq.reviewed_at,
                        {"assignment_version": 1},
                    )
                )
                final_status, final_owner = "nurture", None
    events.sort(key=lambda e: e.at)  # stable: same-moment events keep their causal order

    score = fit + round(engagement)
    last_event = events[-1].at
    return LeadPlan(
        index=index,
        email=ident.email,
        first_name=ident.first_name,
        last_name=ident.last_name,
        title=title,
        buying_role=role,
        phone=phone,
        country=country,
        company_name=company,
        account=account.domain if account else None,
        source=source,
        campaign=first_campaign,
        fit_score=fit,
        engagement_score=engagement,
        score=score,
        status=final_status,
        owner=final_owner,
        assignment_version=1 if owner else 0,
        assigned_at=assigned_at,
        ready_at=ready_at,
        ready_reason=ready_reason,
        routing_rule=rule,
        pooled_at=ready_at if pool else None,
        first_response_at=first_response,
        sla_due_at=sla_due_at,
        sla_state="" if final_status == "nurture" else sla_state,
        sla_breached_at=breached_at,
        breached_owner=owner if breached_at else None,
        escalated_at=escalated_at,
        attempt_count=len(activities),
        last_touch_at=touched_until,
        converted_at=converted_at,
        disqualified_at=disqualified_at,
        created_at=created_at,
        updated_at=max(last_event, touched_until),
        touchpoints=tuple(sorted(touches, key=lambda t: t.occurred_at)),
        activities=tuple(activities),
        activity_rep=owner if activities else None,
        events=tuple(events),
        play=play,
        disqualification=dq,
        opportunity=opp,
    )


def _plan_activities(
    rng: random.Random, status: str, first: datetime, anchor: datetime
) -> list[ActivityPlan]:
    count = {"working": rng.randint(1, 4), "converted": rng.randint(2, 5)}.get(
        status, rng.randint(1, 6)
    )
    latest = anchor - timedelta(minutes=30)
    moments = [first]
    for k in range(1, count):
        remaining = (latest - moments[-1]).total_seconds()
        gap = min(rng.randint(4 * HOUR, 3 * DAY), int(remaining / (count - k + 1)))
        moments.append(moments[-1] + timedelta(seconds=max(60, gap)))
    plans = []
    for k, at in enumerate(moments):
        last = k == count - 1
        if status == "converted" and last:
            outcome = "meeting_booked"
        elif status == "converted" and k == count - 2:
            outcome = "connected"
        else:
            outcome = rng.choices(
                ("no_answer", "voicemail", "connected", "replied", "bounced"),
                weights=(40, 25, 15, 15, 5),
            )[0]
        channel = {"replied": "email", "bounced": "email"}.get(outcome) or rng.choice(
            ("call", "call", "call", "email", "linkedin", "sms")
        )
        if outcome == "meeting_booked":
            channel = "call"
        plans.append(ActivityPlan(channel, outcome, rng.choice(ACTIVITY_NOTES[outcome]), at))
    return plans


def _plan_opportunity(
    rng: random.Random,
    variant: str,
    account: AccountPlan,
    owner: str,
    created: datetime,
    anchor: datetime,
) -> OpportunityPlan:
    size = 1 + min(account.employees, 12000) / 1500
    amount = Decimal(round(rng.uniform(8000, 30000) * size, -2)).quantize(Decimal("0.01"))
    planned_close = created + _seconds(rng, 14 * DAY, 55 * DAY)
    stage = variant
    if not stage:
        if planned_close < anchor - timedelta(hours=1) and rng.random() < 0.8:
            stage = "won" if rng.random() < 0.4 else "lost"
        else:
            age = (anchor - created).days
            ladder = ("discovery", "demo", "proposal", "negotiation")
            stage = ladder[min(3, age // 12 + rng.randint(0, 1))]
    closed_at = (
        min(planned_close, anchor - timedelta(hours=1)) if stage in ("won", "lost") else None
    )
    expected = (closed_at or created + timedelta(days=45)).date()
    return OpportunityPlan(
        account=account.domain,
        owner=owner,
        name=f"{account.name}: {rng.choice(DEAL_PRODUCTS)}",
        amount=amount,
        stage=stage,
        type="new",
        origin="marketing",
        created_at=created,
        expected_close=expected,
        closed_at=closed_at,
        lost_reason=rng.choice(LOST_REASONS) if stage == "lost" else "",
    )


def _plan_disqualification(
    rng: random.Random, variant: str, reason: str, attempts: int, at: datetime, anchor: datetime
) -> DisqualificationPlan:
    note_required = next(r[3] for r in DQ_REASONS if r[0] == reason)
    note = DQ_NOTES.get(reason, "") if note_required else rng.choice(("", "", "Checked twice."))
    review = variant
    if not review:
        old = (anchor - at).days > 7
        review = rng.choices(
            ("open", "acknowledged", "disputed"), weights=(25, 60, 15) if old else (85, 15, 0)
        )[0]
    reviewed_at = None
    if review != "open":
        reviewed_at = at + _seconds(rng, 2 * HOUR, 5 * DAY)
        if reviewed_at >= anchor:
            # Marketing reviews within days; one disqualified last night is still open.
            review, reviewed_at = (
                variant or "open",
                (anchor - timedelta(minutes=1) if variant else None),
            )
    action = {
        "acknowledged": rng.choice(
            (
                "Excluded students from the paid search audience.",
                "Tightened the form: company email required.",
                "Noted; moving budget away from this keyword.",
            )
        ),
        "disputed": "Opened pricing twice this week and matches our ICP; back to nurture.",
    }.get(review, "")
    return DisqualificationPlan(
        reason=reason,
        note=note,
        attempts=attempts,
        at=at,
        review_status=review,
        reviewer="mia" if review != "open" else None,
        action_note=action,
        reviewed_at=reviewed_at,
        dispute_outcome="nurture" if review == "disputed" else "",
    )


def _plan_play(
    rng: random.Random,
    ready_reason: str,
    touches: Sequence[TouchPlan],
    role: str,
    fit: int,
    assigned_at: datetime,
    activities: Sequence[ActivityPlan],
    anchor: datetime,
) -> LeadPlayPlan:
    if ready_reason == "account":
        name, why = PLAY_ACCOUNT, "account became conversation-ready"
    elif ready_reason == "hand_raiser":
        name, why = PLAY_HAND_RAISER, "hand-raiser asset"
    elif any(t.campaign == "freight-visibility-webinars" for t in touches):
        name, why = PLAY_WEBINAR, "touched the webinar campaign"
    elif role == "decision_maker" and fit >= 40:
        name, why = PLAY_EXECUTIVE, "decision maker with score 40+"
    else:
        name, why = PLAY_DEFAULT, "default play"
    worked_until = activities[-1].occurred_at if activities else None
    steps = []
    for order, (channel, offset, title, template) in enumerate(PLAY_STEPS[name], start=1):
        due = assigned_at + timedelta(minutes=offset)
        done = None
        if worked_until and due <= worked_until:
            done = min(due + _seconds(rng, 0, 40 * 60), anchor - timedelta(minutes=1))
        steps.append(StepPlan(order, channel, title, template, due, done))
    return LeadPlayPlan(name, assigned_at, why, tuple(steps))


def plan_service(*, seed: int, anchor: datetime, accounts: Sequence[AccountPlan]) -> ServicePlan:
    """Renewals across the three quarters, health history, customer quotes, expansion deals."""
    rng = random.Random(f"{seed}:service")
    previous, current, upcoming = plan_quarters(anchor)
    today = anchor.date()
    renewals, checks, notes, expansions = [], [], [], []
    churn_codes = [c for c, _ in CHURN_REASONS]
    for acc in accounts:
        if acc.lifecycle == "prospect":
            continue
        amount = Decimal(
            round(rng.uniform(15000, 90000) * (1 + acc.employees / 5000), -2)
        ).quantize(Decimal("0.01"))
        if acc.lifecycle == "churned":
            due = _date_in(rng, previous)
            renewals.append(
                RenewalPlan(
                    acc.domain,
                    due,
                    amount,
                    "churned",
                    None,
                    rng.choice(churn_codes),
                    "Told us at the renewal call.",
                    _closed(rng, due, anchor),
                )
            )
        else:
            for quarter in (previous, current, upcoming):
                due = _date_in(rng, quarter)
                if due < today and rng.random() < 0.85:
                    renewed = (
                        amount * Decimal(rng.choice(("1.00", "1.05", "1.12", "0.90")))
                    ).quantize(Decimal("0.01"))
                    renewals.append(
                        RenewalPlan(
                            acc.domain,
                            due,
                            amount,
                            "renewed",
                            renewed,
                            None,
                            "",
                            _closed(rng, due, anchor),
                        )
                    )
                else:
                    renewals.append(
                        RenewalPlan(acc.domain, due, amount, "pending", None, None, "", None)
                    )
        for k in range(rng.randint(2, 4)):
            health = acc.health if k == 0 else rng.choice(("green", "yellow", "red"))
            checks.append(
                HealthPlan(
                    acc.domain,
                    health,
                    HEALTH_NOTES[health],
                    anchor - timedelta(days=5 + 30 * k, seconds=rng.randint(0, DAY)),
                )
            )
        for quote, tags, context in rng.sample(VOICE_QUOTES, 2):
            notes.append(
                VoicePlan(acc.domain, quote, tags, context, anchor - _seconds(rng, DAY, 100 * DAY))
            )
    customers = [a for a in accounts if a.lifecycle == "customer"]
    for acc, stage in zip(customers, ("won", "proposal", "discovery", "lost"), strict=False):
        created = anchor - timedelta(days=rng.randint(20, 70))
        closed = created + timedelta(days=15) if stage in ("won", "lost") else None
        expansions.append(
            OpportunityPlan(
                account=acc.domain,
                owner=acc.owner or "sam",
                name=f"{acc.name}: analytics add-on (expansion)",
                amount=Decimal(rng.randrange(10000, 60000, 500)).quantize(Decimal("0.01")),
                stage=stage,
                type="expansion",
                origin="service",
                created_at=created,
                expected_close=(closed or created + timedelta(days=60)).date(),
                closed_at=closed,
                lost_reason="Budget moved to next year" if stage == "lost" else "",
            )
        )
    return ServicePlan(tuple(renewals), tuple(checks), tuple(notes), tuple(expansions))


def _date_in(rng: random.Random, quarter: QuarterPlan) -> date:
    return quarter.starts_on + timedelta(
        days=rng.randint(0, (quarter.ends_on - quarter.starts_on).days)
    )


def _closed(rng: random.Random, due: date, anchor: datetime) -> datetime:
    at = datetime.combine(due, time(10), tzinfo=UTC) - timedelta(days=rng.randint(0, 14))
    return min(at, anchor - timedelta(hours=2))


def plan_demo(*, seed: int, leads: int, anchor: datetime) -> DemoPlan:
    """The whole plan in memory (tests and small runs); the writer plans leads chunk by chunk."""
    accounts = plan_accounts(seed=seed, anchor=anchor)
    return DemoPlan(
        quarters=plan_quarters(anchor),
        accounts=accounts,
        leads=tuple(plan_leads(seed=seed, anchor=anchor, start=0, stop=leads, accounts=accounts)),
        service=plan_service(seed=seed, anchor=anchor, accounts=accounts),
    )


# --- Writing --------------------------------------------------------------------------


@dataclass
class _Refs:
    """Natural key -> primary key, for the writer."""

    users: dict[str, int]
    accounts: dict[str, int]
    campaigns: dict[str, int]
    assets: dict[str, int]
    plays: dict[str, int]
    reasons: dict[str, int]
    churn_reasons: dict[str, int]
    agreement: int


@dataclass
class SeedResult:
    created: Counter[str] = field(default_factory=Counter)
    skipped_leads: int = 0
    messages: list[str] = field(default_factory=list)


def demo_users_exist() -> bool:
    return User.objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    leads: int = DEFAULT_LEADS,
    today: date,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Create the demo users, configuration and `leads` leads with their history. Safe to run twice."""
    say = progress or (lambda _msg: None)
    anchor = anchor_for(today)
    result = SeedResult()
    accounts = plan_accounts(seed=seed, anchor=anchor)
    with transaction.atomic():
        refs = _write_configuration(anchor=anchor, leads=leads, result=result)
        refs.accounts = _write_accounts(accounts, result)
        _write_service(plan_service(seed=seed, anchor=anchor, accounts=accounts), refs, result)
    calendar = _Calendar.build(anchor)
    pool_counts: Counter[tuple[str, str]] = Counter()
    for start in range(0, leads, chunk_size):
        stop = min(leads, start + chunk_size)
        emails = lead_emails(seed=seed, start=start, stop=stop, accounts=accounts)
        existing = set(Lead.objects.filter(email__in=emails).values_list("email", flat=True))
        result.skipped_leads += len(existing)
        if len(existing) == len(emails):
            continue
        plans = [
            p
            for p in plan_leads(
                seed=seed,
                anchor=anchor,
                start=start,
                stop=stop,
                accounts=accounts,
                calendar=calendar,
            )
            if p.email not in existing
        ]
        with transaction.atomic():
            _write_leads(plans, refs, result)
        pool_counts.update((p.routing_rule, p.owner) for p in plans if p.routing_rule and p.owner)
        say(f"leads {stop}/{leads}")
    if result.created["leads.Lead"]:
        with transaction.atomic():
            _finish(refs=refs, anchor=anchor, pool_counts=pool_counts, result=result)
    if result.skipped_leads:
        result.messages.append(
            f"{result.skipped_leads} demo leads already existed; left them as they are."
        )
    return result


def demo_counts() -> dict[str, int]:
    """Rows per model, for the command's summary."""
    tracked: tuple[type[models.Model], ...] = (
        User,
        Quarter,
        JointGoal,
        SlaPolicy,
        RoutingRule,
        PoolMember,
        QualificationAgreement,
        ScoringRule,
        BuyingRoleRule,
        DisqualificationReason,
        ChurnReason,
        Campaign,
        Asset,
        Play,
        PlayStep,
        IntakeSource,
        Account,
        Lead,
        Touchpoint,
        Activity,
        LeadEvent,
        LeadPlay,
        LeadPlayStep,
        Disqualification,
        Opportunity,
        Renewal,
        HealthCheck,
        VoiceNote,
        Notification,
    )
    return {m._meta.label: m._default_manager.count() for m in tracked}


@contextmanager
def _historic_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create store the planned created_at/updated_at instead of now().

    auto_now/auto_now_add overwrite the value in pre_save even in bulk_create; demo history
    needs past timestamps, so the flags are switched off for the duration of the insert and
    restored afterwards (the command is the only code running in its process).
    """
    switched = []
    for model_class in model_classes:
        for f in model_class._meta.concrete_fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in switched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _note(result: SeedResult, label: str, created: bool) -> None:
    if created:
        result.created[label] += 1


def _write_configuration(*, anchor: datetime, leads: int, result: SeedResult) -> _Refs:
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@revenue-desk.example",
                "is_staff": spec.is_staff,
                "capacity": spec.capacity,
                "routing_weight": spec.routing_weight,
                "time_zone": spec.time_zone,
                "work_start": spec.work_start,
                "work_end": spec.work_end,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(*[Group.objects.get_or_create(name=role)[0] for role in spec.roles])
        _note(result, "users.User", created)
        users[spec.username] = user

    quarters = {}
    for q in plan_quarters(anchor):
        quarters[q.name], created = Quarter.objects.get_or_create(
            name=q.name, defaults={"starts_on": q.starts_on, "ends_on": q.ends_on}
        )
        _note(result, "goals.Quarter", created)

    campaigns: dict[str, Campaign] = {}
    quarter_plans = plan_quarters(anchor)
    for c in CAMPAIGNS:
        starts, ends = campaign_window(c, anchor)
        quarter = next(
            (quarters[q.name] for q in quarter_plans if q.starts_on <= starts <= q.ends_on), None
        )
        elapsed = min(1.0, max(0.0, (anchor.date() - starts).days / max(1, (ends - starts).days)))
        cost = Decimal(c.budget * CAMPAIGN_COST_RATIO[c.slug] * elapsed).quantize(Decimal("0.01"))
        campaigns[c.slug], created = Campaign.objects.get_or_create(
            slug=c.slug,
            defaults={
                "name": c.name,
                "channel": c.channel,
                "quarter": quarter,
                "budget": Decimal(c.budget),
                "actual_cost": cost,
                "starts_on": starts,
                "ends_on": ends,
                "goal": c.goal,
                "message": c.message,
                "call_to_action": c.call_to_action,
                "sequence": c.sequence,
                "is_active": ends >= anchor.date(),
            },
        )
        _note(result, "campaigns.Campaign", created)

    for i, (metric, name, target, scales, lower, teams) in enumerate(GOALS):
        for q_index, q in enumerate(quarter_plans):
            if i not in QUARTER_GOALS[q_index]:
                continue
            goal_target = target * leads / DEFAULT_LEADS if scales else target
            _, created = JointGoal.objects.get_or_create(
                quarter=quarters[q.name],
                metric=metric,
                defaults={
                    "name": name,
                    "target": Decimal(max(1, round(goal_target))),
                    "lower_is_better": lower,
                    "team_marketing": teams[0],
                    "team_sales": teams[1],
                    "team_service": teams[2],
                },
            )
            _note(result, "goals.JointGoal", created)
    # One segmented goal: the ABM campaign's sales-ready leads at target accounts this quarter.
    _, created = JointGoal.objects.get_or_create(
        quarter=quarters[quarter_plans[1].name],
        metric=Metric.READY_TO_OPPORTUNITY,
        segment_campaign=campaigns["abm-target-accounts"],
        defaults={
            "name": "ABM: ready → opportunity at target accounts",
            "target": Decimal(30),
            "team_marketing": True,
            "team_sales": True,
            "segment_tier": "target",
        },
    )
    _note(result, "goals.JointGoal", created)

    _, created = SlaPolicy.objects.get_or_create(
        name="Inbound: 5 minutes in business hours",
        defaults={
            "is_active": not SlaPolicy.objects.filter(is_active=True).exists(),
            "first_response_minutes": 5,
            "business_hours_only": True,
            "time_zone": "Europe/Berlin",
            "work_days": "0,1,2,3,4",
            "day_start": time(9, 0),
            "day_end": time(17, 0),
            "escalate_after_minutes": 10,
            "reassign_after_minutes": 30,
        },
    )
    _note(result, "routing.SlaPolicy", created)
    for order, name, countries, reps in (
        (10, "EMEA", ",".join(EMEA), ("sam",)),
        (20, "North America", ",".join(NORTH_AMERICA), ("sara",)),
        (100, "Everywhere else", "", REPS),
    ):
        rule, created = RoutingRule.objects.get_or_create(
            name=name, defaults={"order": order, "countries": countries}
        )
        _note(result, "routing.RoutingRule", created)
        for rep in reps:
            _, created = PoolMember.objects.get_or_create(rule=rule, rep=users[rep])
            _note(result, "routing.PoolMember", created)

    agreement, created = QualificationAgreement.objects.get_or_create(
        version=1,
        defaults={
            "score_threshold": SCORE_THRESHOLD,
            "hand_raiser_ready": True,
            "engagement_half_life_days": HALF_LIFE_DAYS,
            "account_min_roles": 3,
            "account_window_days": 30,
            "account_score_threshold": 150,
            "effective_from": anchor - timedelta(days=150),
            "marketing_signer": users["mia"],
            "marketing_signed_at": anchor - timedelta(days=152, hours=-10),
            "sales_signer": users["max"],
            "sales_signed_at": anchor - timedelta(days=151, hours=-15),
            "notes": "Ready = demo or contact-sales request, or fit + engagement of 60, or 3 buying roles "
            "engaged at one account within 30 days with an account score of 150.",
        },
    )
    _note(result, "scoring.QualificationAgreement", created)
    for name, attribute, value, points in SCORING_RULES:
        _, created = ScoringRule.objects.get_or_create(
            attribute=attribute, value=value, defaults={"name": name, "points": points}
        )
        _note(result, "scoring.ScoringRule", created)
    for keyword, role, order in BUYING_ROLE_RULES:
        _, created = BuyingRoleRule.objects.get_or_create(
            keyword=keyword, defaults={"role": role, "order": order}
        )
        _note(result, "scoring.BuyingRoleRule", created)

    reasons = {}
    for code, label, min_attempts, note_required, junk, description in DQ_REASONS:
        reasons[code], created = DisqualificationReason.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "min_attempts": min_attempts,
                "note_required": note_required,
                "is_junk": junk,
                "description": description,
            },
        )
        _note(result, "feedback.DisqualificationReason", created)
    churn = {}
    for code, label in CHURN_REASONS:
        churn[code], created = ChurnReason.objects.get_or_create(
            code=code, defaults={"label": label}
        )
        _note(result, "service.ChurnReason", created)

    assets = {}
    for a in ASSETS:
        assets[a.slug], created = Asset.objects.get_or_create(
            slug=a.slug,
            defaults={
                "name": a.name,
                "campaign": campaigns[a.campaign] if a.campaign else None,
                "kind": a.kind,
                "topic": a.topic,
                "url": f"https://www.revenue-desk.example/{a.slug}/",
                "intent_note": a.intent_note,
                "engagement_weight": a.weight,
                "hand_raiser": a.hand_raiser,
                "is_public_form": a.is_public_form,
            },
        )
        _note(result, "campaigns.Asset", created)

    plays = {}
    default_taken = Play.objects.filter(is_default=True, is_active=True).exists()
    for (
        name,
        priority,
        is_default,
        account_play,
        tier,
        role,
        min_score,
        match_assets,
        match_campaigns,
        talk,
        steps,
    ) in PLAYS:
        play, created = Play.objects.get_or_create(
            name=name,
            defaults={
                "priority": priority,
                "is_default": is_default and not default_taken,
                "is_account_play": account_play,
                "account_tier": tier,
                "buying_role": role,
                "min_score": min_score,
                "talk_track": talk,
            },
        )
        _note(result, "plays.Play", created)
        if created:
            play.match_assets.set([assets[s] for s in match_assets])
            play.match_campaigns.set([campaigns[s] for s in match_campaigns])
        for order, (channel, offset, title, template) in enumerate(steps, start=1):
            _, created = PlayStep.objects.get_or_create(
                play=play,
                order=order,
                defaults={
                    "channel": channel,
                    "due_offset_minutes": offset,
                    "title": title,
                    "template": template,
                },
            )
            _note(result, "plays.PlayStep", created)
        plays[name] = play.pk

    key = DEMO_INTAKE_KEY
    _, created = IntakeSource.objects.get_or_create(
        slug="website",
        defaults={
            "name": "Website",
            "key_prefix": key[:8],
            "key_hash": hash_api_key(key),
            "default_source": Lead.Source.WEB_FORM,
        },
    )
    _note(result, "leads.IntakeSource", created)

    return _Refs(
        users={u: users[u].pk for u in users},
        accounts={},
        campaigns={s: c.pk for s, c in campaigns.items()},
        assets={s: a.pk for s, a in assets.items()},
        plays=plays,
        reasons={c: r.pk for c, r in reasons.items()},
        churn_reasons={c: r.pk for c, r in churn.items()},
        agreement=agreement.pk,
    )


def _write_accounts(plans: Sequence[AccountPlan], result: SeedResult) -> dict[str, int]:
    ids = dict(
        Account.objects.filter(domain__in=[p.domain for p in plans]).values_list("domain", "pk")
    )
    users = dict(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", "pk"))
    new = [
        Account(
            name=p.name,
            domain=p.domain,
            industry=p.industry,
            employees=p.employees,
            country=p.country,
            tier=p.tier,
            owner_id=users.get(p.owner) if p.owner else None,
            lifecycle=p.lifecycle,
            health=p.health,
            became_customer_at=p.became_customer_at,
            created_at=p.created_at,
            updated_at=p.became_customer_at or p.created_at,
        )
        for p in plans
        if p.domain not in ids
    ]
    with _historic_timestamps(Account):
        Account.objects.bulk_create(new)
    result.created["accounts.Account"] += len(new)
    ids.update({a.domain: a.pk for a in new})
    return ids


def _write_service(plan: ServicePlan, refs: _Refs, result: SeedResult) -> None:
    """Per account, each kind of service record is seeded only if the account has none yet."""
    acc = refs.accounts
    has_renewals = set(
        Renewal.objects.filter(account_id__in=acc.values()).values_list("account_id", flat=True)
    )
    has_checks = set(
        HealthCheck.objects.filter(account_id__in=acc.values()).values_list("account_id", flat=True)
    )
    has_notes = set(
        VoiceNote.objects.filter(account_id__in=acc.values()).values_list("account_id", flat=True)
    )
    has_expansion = set(
        Opportunity.objects.filter(account_id__in=acc.values(), origin="service").values_list(
            "account_id", flat=True
        )
    )
    sid = refs.users["sid"]
    renewals = [
        Renewal(
            account_id=acc[r.account],
            due_on=r.due_on,
            amount=r.amount,
            outcome=r.outcome,
            renewed_amount=r.renewed_amount,
            churn_reason_id=refs.churn_reasons[r.churn_reason] if r.churn_reason else None,
            churn_note=r.churn_note,
            closed_at=r.closed_at,
            closed_by_id=sid if r.closed_at else None,
            created_at=datetime.combine(r.due_on, time(8), tzinfo=UTC) - timedelta(days=90),
            updated_at=r.closed_at
            or datetime.combine(r.due_on, time(8), tzinfo=UTC) - timedelta(days=90),
        )
        for r in plan.renewals
        if acc[r.account] not in has_renewals
    ]
    checks = [
        HealthCheck(account_id=acc[h.account], health=h.health, note=h.note, set_by_id=sid, at=h.at)
        for h in plan.health_checks
        if acc[h.account] not in has_checks
    ]
    notes = [
        VoiceNote(
            account_id=acc[v.account],
            author_id=sid,
            quote=v.quote,
            tags=list(v.tags),
            context=v.context,
            created_at=v.created_at,
            updated_at=v.created_at,
        )
        for v in plan.voice_notes
        if acc[v.account] not in has_notes
    ]
    with _historic_timestamps(Renewal, VoiceNote):
        Renewal.objects.bulk_create(renewals)
        HealthCheck.objects.bulk_create(checks)
        VoiceNote.objects.bulk_create(notes)
    result.created["service.Renewal"] += len(renewals)
    result.created["service.HealthCheck"] += len(checks)
    result.created["service.VoiceNote"] += len(notes)
    result.created["opportunities.Opportunity"] += _insert_rows(
        Opportunity,
        OPPORTUNITY_COLUMNS,
        [
            _opportunity_row(o, refs, None)
            for o in plan.expansions
            if acc[o.account] not in has_expansion
        ],
    )


OPPORTUNITY_COLUMNS = (
    "account_id",
    "primary_lead_id",
    "owner_id",
    "name",
    "amount",
    "stage",
    "type",
    "origin",
    "created_at",
    "updated_at",
    "expected_close",
    "closed_at",
    "lost_reason",
)


def _opportunity_row(o: OpportunityPlan, refs: _Refs, lead_id: int | None) -> tuple[Any, ...]:
    return (
        refs.accounts[o.account],
        lead_id,
        refs.users[o.owner],
        o.name,
        o.amount,
        o.stage,
        o.type,
        o.origin,
        o.created_at,
        o.closed_at or o.created_at,
        o.expected_close,
        o.closed_at,
        o.lost_reason,
    )


def _insert_rows(
    model_class: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> int:
    """Bulk-insert rows whose primary keys nobody needs back; returns the number inserted.

    On PostgreSQL this is COPY: for a million touchpoints, bulk_create spends most of its
    time preparing and quoting each value in Python (Django 5.2's UNNEST arrays under
    psycopg's client-side binding), and COPY, PostgreSQL's documented bulk-load path, makes
    `--leads 100000` about twice as fast. Elsewhere it is bulk_create. Either way no
    signals are sent and auto_now fields take the planned values.
    """
    if not rows:
        return 0
    fields = {f.attname: f for f in model_class._meta.concrete_fields}
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        json_at = [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
        quote = connection.ops.quote_name
        names = ", ".join(quote(fields[c].get_attname_column()[1] or c) for c in columns)
        statement = f"COPY {quote(model_class._meta.db_table)} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if json_at:
                    values = list(row)
                    for i in json_at:
                        values[i] = Jsonb(values[i])
                    row = tuple(values)
                copy.write_row(row)
        return len(rows)
    with _historic_timestamps(model_class):
        model_class._default_manager.bulk_create(
            [model_class(**dict(zip(columns, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
    return len(rows)


def _write_leads(plans: Sequence[LeadPlan], refs: _Refs, result: SeedResult) -> None:
    """Insert one chunk of planned leads and everything hanging off them. Caller holds a transaction."""
    users, accounts = refs.users, refs.accounts
    campaigns, assets = refs.campaigns, refs.assets

    def uid(username: str | None) -> int | None:
        return users[username] if username else None

    leads = [
        Lead(
            email=p.email,
            first_name=p.first_name,
            last_name=p.last_name,
            title=p.title,
            buying_role=p.buying_role,
            phone=p.phone,
            country=p.country,
            company_name=p.company_name,
            account_id=accounts[p.account] if p.account else None,
            source=p.source,
            campaign_id=campaigns[p.campaign] if p.campaign else None,
            fit_score=p.fit_score,
            engagement_score=p.engagement_score,
            score=p.score,
            status=p.status,
            owner_id=uid(p.owner),
            assignment_version=p.assignment_version,
            assigned_at=p.assigned_at,
            ready_at=p.ready_at,
            ready_agreement_id=refs.agreement if p.ready_at else None,
            ready_reason=p.ready_reason,
            pooled_at=p.pooled_at,
            first_response_at=p.first_response_at,
            sla_due_at=p.sla_due_at,
            sla_state=p.sla_state,
            sla_breached_at=p.sla_breached_at,
            breached_owner_id=uid(p.breached_owner),
            escalated_at=p.escalated_at,
            attempt_count=p.attempt_count,
            last_touch_at=p.last_touch_at,
            converted_at=p.converted_at,
            disqualified_at=p.disqualified_at,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for p in plans
    ]
    with _historic_timestamps(Lead):
        Lead.objects.bulk_create(leads, batch_size=BATCH_SIZE)
    pairs = list(zip(leads, plans, strict=True))
    count = result.created
    count["leads.Lead"] += len(leads)
    count["leads.Touchpoint"] += _insert_rows(
        Touchpoint,
        (
            "lead_id",
            "account_id",
            "kind",
            "campaign_id",
            "asset_id",
            "occurred_at",
            "metadata",
            "created_at",
        ),
        [
            (
                lead.pk,
                lead.account_id,
                t.kind,
                campaigns[t.campaign] if t.campaign else None,
                assets[t.asset] if t.asset else None,
                t.occurred_at,
                t.metadata,
                t.occurred_at,
            )
            for lead, p in pairs
            for t in p.touchpoints
        ],
    )
    count["leads.Activity"] += _insert_rows(
        Activity,
        ("lead_id", "rep_id", "channel", "outcome", "note", "occurred_at", "created_at"),
        [
            (
                lead.pk,
                uid(p.activity_rep),
                a.channel,
                a.outcome,
                a.note,
                a.occurred_at,
                a.occurred_at,
            )
            for lead, p in pairs
            for a in p.activities
        ],
    )
    count["opportunities.Opportunity"] += _insert_rows(
        Opportunity,
        OPPORTUNITY_COLUMNS,
        [_opportunity_row(p.opportunity, refs, lead.pk) for lead, p in pairs if p.opportunity],
    )
    count["leads.LeadEvent"] += _insert_rows(
        LeadEvent,
        ("lead_id", "kind", "actor_id", "reason", "old_value", "new_value", "payload", "at"),
        [
            (
                lead.pk,
                e.kind,
                uid(e.actor),
                e.reason,
                e.old_value,
                e.new_value,
                {
                    **e.payload,
                    "old_owner_id": users.get(e.old_value),
                    "new_owner_id": users.get(e.new_value),
                }
                if e.kind == "owner"
                else e.payload,
                e.at,
            )
            for lead, p in pairs
            for e in p.events
        ],
    )
    count["feedback.Disqualification"] += _insert_rows(
        Disqualification,
        (
            "lead_id",
            "rep_id",
            "reason_id",
            "note",
            "attempts_at_time",
            "at",
            "review_status",
            "reviewer_id",
            "action_note",
            "reviewed_at",
            "dispute_outcome",
        ),
        [
            (
                lead.pk,
                uid(p.activity_rep),
                refs.reasons[d.reason],
                d.note,
                d.attempts,
                d.at,
                d.review_status,
                uid(d.reviewer),
                d.action_note,
                d.reviewed_at,
                d.dispute_outcome,
            )
            for lead, p in pairs
            if (d := p.disqualification)
        ],
    )
    with_play = [(lead, p, p.play) for lead, p in pairs if p.play]
    lead_plays = [
        LeadPlay(
            lead_id=lead.pk,
            play_id=refs.plays[play.play],
            attached_at=play.attached_at,
            match_reason=play.match_reason,
        )
        for lead, _, play in with_play
    ]
    LeadPlay.objects.bulk_create(lead_plays, batch_size=BATCH_SIZE)
    count["plays.LeadPlay"] += len(lead_plays)
    count["plays.LeadPlayStep"] += _insert_rows(
        LeadPlayStep,
        (
            "lead_play_id",
            "order",
            "channel",
            "title",
            "template",
            "due_at",
            "completed_at",
            "completed_by_id",
        ),
        [
            (
                lead_play.pk,
                s.order,
                s.channel,
                s.title,
                s.template,
                s.due_at,
                s.completed_at,
                uid(p.activity_rep) if s.completed_at else None,
            )
            for lead_play, (_, p, play) in zip(lead_plays, with_play, strict=True)
            for s in play.steps
        ],
    )


def _finish(
    *, refs: _Refs, anchor: datetime, pool_counts: Counter[tuple[str, str]], result: SeedResult
) -> None:
    """Roll-ups that depend on all leads: account scores, new customers, pool counters, notifications."""
    account_ids = list(refs.accounts.values())
    totals = dict(
        Lead.objects.filter(account_id__in=account_ids)
        .values("account_id")
        .annotate(s=Sum("engagement_score"))
        .values_list("account_id", "s")
    )
    roles: dict[int, set[str]] = {}
    for account_id, role in (
        Lead.objects.filter(
            account_id__in=account_ids, last_touch_at__gte=anchor - timedelta(days=30)
        )
        .exclude(buying_role="unknown")
        .values_list("account_id", "buying_role")
        .distinct()
    ):
        roles.setdefault(account_id, set()).add(role)
    won = dict(
        Opportunity.objects.filter(account_id__in=account_ids, stage="won", type="new")
        .values("account_id")
        .annotate(first=Min("closed_at"))
        .values_list("account_id", "first")
    )
    changed = []
    for account in Account.objects.filter(pk__in=account_ids):
        account.engagement_score = round(totals.get(account.pk) or 0.0, 2)
        account.buying_roles_engaged = sorted(roles.get(account.pk, set()))
        ready = len(account.buying_roles_engaged) >= 3 and account.engagement_score >= 150
        account.is_conversation_ready = ready
        account.ready_since = account.ready_since or (anchor - timedelta(days=2) if ready else None)
        if account.pk in won and account.lifecycle == "prospect":
            account.lifecycle = "customer"
            account.became_customer_at = won[account.pk]
            account.health = account.health or "green"
        changed.append(account)
    Account.objects.bulk_update(
        changed,
        [
            "engagement_score",
            "buying_roles_engaged",
            "is_conversation_ready",
            "ready_since",
            "lifecycle",
            "became_customer_at",
            "health",
        ],
    )

    rules = dict(RoutingRule.objects.values_list("name", "pk"))
    for (rule, rep), count in pool_counts.items():
        PoolMember.objects.filter(rule_id=rules.get(rule), rep_id=refs.users[rep]).update(
            assigned=models.F("assigned") + count
        )

    sam, max_ = refs.users["sam"], refs.users["max"]
    if Notification.objects.filter(recipient_id__in=[sam, max_]).exists():
        return
    pending = list(
        Lead.objects.filter(owner_id=sam, sla_state="pending").order_by("-ready_at", "pk")[:2]
    )
    breached = (
        Lead.objects.filter(owner_id=sam, sla_state="breached").order_by("-ready_at", "pk").first()
    )
    notes = [
        Notification(
            recipient_id=sam,
            kind=Notification.Kind.LEAD_ASSIGNED,
            lead=lead,
            title=f"New lead: {lead.display_name}",
            body=f"{lead.title} at {lead.company_name}.",
            created_at=lead.assigned_at,
        )
        for lead in pending
    ]
    if breached:
        notes.append(
            Notification(
                recipient_id=max_,
                kind=Notification.Kind.SLA_ESCALATION,
                lead=breached,
                title=f"SLA breached: {breached.display_name} (Sam Novak)",
                body="No first response within 5 minutes.",
                created_at=breached.sla_due_at,
            )
        )
        notes.append(
            Notification(
                recipient_id=sam,
                kind=Notification.Kind.SLA_ESCALATION,
                lead=breached,
                title=f"Overdue: {breached.display_name}",
                body="Your manager was notified.",
                created_at=breached.sla_due_at,
                read_at=breached.first_response_at,
            )
        )
    notes.append(
        Notification(
            recipient_id=sam,
            kind=Notification.Kind.CAPACITY,
            title="You are close to your capacity",
            body="Routing skips reps at capacity; close or hand back leads you cannot work.",
            created_at=anchor - timedelta(hours=3),
        )
    )
    with _historic_timestamps(Notification):
        Notification.objects.bulk_create(notes)
    result.created["notifications.Notification"] += len(notes)
