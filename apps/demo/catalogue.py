"""The fixed demo catalogue: every constant `seed_demo` draws from.

Users and teams, companies and people, the configuration records (scoring and buying-role
rules, disqualification and churn reasons, campaigns, assets, plays, goals) and the words
the planner picks from. Plain data only: `plans` decides with it, `writing` stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from apps.goals.models import Metric
from apps.users.models import Role

DEFAULT_SEED = 42
DEFAULT_LEADS = 400  # the scaling targets in GOALS are written for this many leads
DEMO_PASSWORD = "demo"  # noqa: S105 - the SPEC's documented demo password, demo data only
DEMO_INTAKE_KEY = "demo-website-key"
SCORE_THRESHOLD = 60
HALF_LIFE_DAYS = 30

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
# Rules beyond the attempt count (SPEC "a disqualification reason may require its attempts to
# span a minimum time and number of channels"), and which action offers each reason.
REASON_RULES: dict[str, dict[str, object]] = {
    "unreachable": {"min_days": 2, "min_channels": 2},
    "no-budget": {"use": "both"},
}
# Reasons a rep may give for handing a lead back to marketing's nurture.
# (code, label, min_attempts, note_required, description)
RECYCLE_REASONS = (
    (
        "not-this-quarter",
        "Interested, but not this quarter",
        1,
        True,
        "A real project later: say when, so marketing can re-engage then.",
    ),
    (
        "early-research",
        "Early research, no project yet",
        1,
        False,
        "Reading up; nothing to buy yet. Marketing keeps educating.",
    ),
    (
        "wrong-contact",
        "Wrong person, right company",
        1,
        True,
        "Name who owns the problem, so marketing can reach them.",
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
# The share of its budget each campaign spends over its whole run.
CAMPAIGN_COST_RATIO = {
    "freight-visibility-webinars": 0.92,
    "search-route-planning": 1.05,
    "abm-target-accounts": 0.85,
    "logistics-summit": 1.1,
    "nurture-ops-leaders": 0.7,
    "partner-referrals": 0.6,
    "analytics-launch": 0.0,
}
# How each campaign's spend is recorded: "spread" is one entry over its run dates, "monthly"
# one invoice per calendar month run so far (the current month to yesterday). A campaign left
# out has no spend yet (the next quarter's launch), shown "—".
CAMPAIGN_SPEND = {
    "freight-visibility-webinars": ("spread", "Webinar platform, speakers and promotion"),
    "search-route-planning": ("monthly", "Google Ads invoice"),
    "abm-target-accounts": ("monthly", "LinkedIn Ads invoice"),
    "logistics-summit": ("spread", "Booth, travel and badge scanners"),
    "nurture-ops-leaders": ("spread", "Email platform and playbook production"),
    "partner-referrals": ("spread", "Partner co-marketing fund"),
}
# The webinar series always runs across the start of the current quarter (from a month before
# it to two weeks into it at least), so the previous and the current quarter each carry part
# of its spend whatever day the demo is seeded.
SPANS_QUARTER_START = frozenset({"freight-visibility-webinars"})


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
    offers_booking: bool = False


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
        offers_booking=True,
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

# (name, priority, is_default, is_account_play, tier, role, min_score, assets, campaigns, talk
# track, steps, lead source)
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
    str,
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
        "",
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
        "",
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
        "",
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
        "",
    ),
    (
        "Expansion: existing customer",
        250,
        False,
        False,
        "",
        "",
        None,
        (),
        (),
        "A customer's colleague wants more. Open with what their team already achieved (health, "
        "renewal, the latest customer note on the lead page), agree the new use case, and bring "
        "the customer success manager along.",
        (
            ("call", 15, "Call with the account's results", "Your colleagues at {company} use..."),
            ("email", 60, "Loop in the customer success manager", "Introducing your CSM..."),
            ("meeting", 2880, "Book the expansion review", "45 minutes: the new team's needs."),
        ),
        "expansion",
    ),
    (
        "Referral: name who sent them",
        240,
        False,
        False,
        "",
        "",
        None,
        (),
        (),
        "Someone who knows us sent them. Name the referrer in the first sentence, share a "
        "customer story like theirs, and book the demo while the trust is fresh.",
        (
            (
                "call",
                15,
                "Call and name the referrer",
                "Hi {first_name}, one of our customers suggested we speak...",
            ),
            ("email", 60, "Send the referrer's case study", "How your peers cut late deliveries."),
            ("call", 1440, "Second call", "Following up on the introduction."),
        ),
        "referral",
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
        "",
    ),
)
(
    PLAY_HAND_RAISER,
    PLAY_ACCOUNT,
    PLAY_WEBINAR,
    PLAY_EXECUTIVE,
    PLAY_EXPANSION,
    PLAY_REFERRAL,
    PLAY_DEFAULT,
) = (p[0] for p in PLAYS)
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
    (Metric.FORM_TO_MEETING_RATE, "Form-to-meeting rate", 40, False, False, (True, True, False)),
)
# Which goals each quarter carries: previous, current, next.
QUARTER_GOALS = ((0, 1, 2, 4, 5, 8), (0, 1, 2, 3, 4, 5, 6, 7, 11), (0, 2, 4, 5, 9))

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

# --- The throttle: the held queue ---------------------------------------------------------

# The demo agreement throttles (apps.routing, "The throttle"): a lead ready on score whose pool
# has no room waits in the held queue, best score first, and goes back to nurture ("held too
# long") after HOLD_EXPIRY_HOURS. The EMEA pool is Sam alone, and Sam is at capacity, so EMEA
# companies nobody owns have leads waiting there.
HOLD_EXPIRY_HOURS = 72
HELD_POOL = "EMEA"
# The held leads: hours held before the anchor (today 00:00 UTC) and the least score each
# has. Fewer than 48 hours, so seeded at any time of the anchor's day none has expired yet;
# the first goes back to nurture within about a day.
HELD_LEADS: dict[str, tuple[int, int]] = {
    "held-1": (47, 64),
    "held-2": (35, 91),
    "held-3": (23, 73),
    "held-4": (11, 84),
    "held-5": (4, 68),
    "held-6": (1, 79),
}
# Leads that waited too long this quarter: sent back to nurture this many days before the
# anchor (on the quarter's first day at the earliest), after HOLD_EXPIRY_HOURS held.
HELD_TOO_LONG: dict[str, int] = {"held-too-long-1": 3, "held-too-long-2": 11}

# --- Lead outcomes ------------------------------------------------------------------------

# Lead statuses the first leads always take, so every status, SLA state, review state and
# opportunity stage appears however few leads are asked for (and the held queue's leads).
SHOWCASE: tuple[tuple[str, str], ...] = (
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
    *(("held", variant) for variant in HELD_LEADS),
    *(("nurture", variant) for variant in HELD_TOO_LONG),
)
ACCOUNT_STATUS_WEIGHTS = {
    "nurture": 46,
    "ready": 5,
    "working": 8,
    "converted": 13,
    "disqualified": 28,
}
FREEMAIL_STATUS_WEIGHTS = {"nurture": 60, "ready": 4, "working": 6, "disqualified": 30}
