from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Lower, Trim

from apps.core.models import TimeStampedModel
from apps.leads.querysets import (
    OPEN_STATUSES,
    LeadQuerySet,
    open_lead_q,
    pool_lead_q,
    untouched_hand_raiser_q,
)


class BuyingRole(models.TextChoices):
    """Who the person is in the buying group (inferred from the title, or set by hand)."""

    DECISION_MAKER = "decision_maker", "Decision maker"
    CHAMPION = "champion", "Champion"
    INFLUENCER = "influencer", "Influencer"
    USER = "user", "User"
    UNKNOWN = "unknown", "Unknown"


# How an account's people are listed: decision makers first, then champions, influencers,
# users, unknown (the account page's people, served by lead_account_rank_idx).
BUYING_ROLE_ORDER: tuple[str, ...] = (
    BuyingRole.DECISION_MAKER,
    BuyingRole.CHAMPION,
    BuyingRole.INFLUENCER,
    BuyingRole.USER,
    BuyingRole.UNKNOWN,
)
# What Lead.display_name reads: a list that shows a lead by name only loads these (with
# .only("lead__first_name", ...)) instead of the lead's forty-odd columns per row.
NAME_FIELDS: tuple[str, ...] = ("first_name", "last_name", "email")

BUYING_ROLE_RANK = Case(
    *[When(buying_role=role, then=Value(rank)) for rank, role in enumerate(BUYING_ROLE_ORDER)],
    default=Value(len(BUYING_ROLE_ORDER)),
    output_field=IntegerField(),
)


class Channel(models.TextChoices):
    """How a rep reaches a lead: an attempt's channel and a play step's."""

    CALL = "call"
    EMAIL = "email"
    LINKEDIN = "linkedin", "LinkedIn"
    MEETING = "meeting"
    SMS = "sms", "SMS"


# `score` is a SmallIntegerField: fit (0..100) plus engagement, capped here.
SCORE_CEILING = 32_000


def normalise_email(raw: str) -> str:
    """The form every stored email has (trimmed, lower-cased): one lead per normalised email."""
    return raw.strip().lower()


class QueueBucket(models.IntegerChoices):
    """Where an open lead sits in its rep's queue (SPEC "Queue order"): running SLA clocks
    first, by due time; then untouched ready leads, by score; then working leads, by their next
    due step or callback. A settled clock (met or breached) never outranks a running one."""

    RUNNING_CLOCK = 0, "Clock running"
    UNTOUCHED = 1, "Untouched"
    WORKING = 2, "Working"
    CLOSED = 9, "Not in a queue"


# The queue's sort key, computed by the database from the lead's own columns (stored generated
# columns), so no write path can forget it and the queue index serves ORDER BY ... LIMIT.
_RUNNING = Q(status="ready", sla_state="pending")
QUEUE_BUCKET = models.Case(
    models.When(_RUNNING, then=models.Value(QueueBucket.RUNNING_CLOCK)),
    models.When(status="ready", then=models.Value(QueueBucket.UNTOUCHED)),
    models.When(status="working", then=models.Value(QueueBucket.WORKING)),
    default=models.Value(QueueBucket.CLOSED),
    output_field=models.SmallIntegerField(),
)
QUEUE_AT = models.Case(
    models.When(_RUNNING, then=models.F("sla_due_at")),
    models.When(status="working", then=models.F("next_action_at")),
    default=models.Value(None),
    output_field=models.DateTimeField(),
)
# Ready leads go best first: among the untouched by score, and among running clocks due at the
# same moment (every night-time hand-raiser is due at opening time) the hand-raiser first.
QUEUE_SCORE = models.Case(
    models.When(status="ready", then=-models.F("score")),
    default=models.Value(0),
    output_field=models.IntegerField(),
)
# Keyset order of every queue: all ascending, NULL times last (lead_rep_queue_idx).
QUEUE_KEYS = ("queue_bucket", "queue_at", "queue_score", "pk")


class Lead(TimeStampedModel):
    """One person, one row: the email is trimmed and lower-cased, and unique."""

    class Status(models.TextChoices):
        NURTURE = "nurture", "Nurture"
        READY = "ready", "Ready"
        HELD = "held", "Held"
        WORKING = "working", "Working"
        CONVERTED = "converted", "Converted"
        DISQUALIFIED = "disqualified", "Disqualified"

    class SlaState(models.TextChoices):
        NONE = "", "No clock"
        PENDING = "pending", "Pending"
        MET = "met", "Met"
        BREACHED = "breached", "Breached"

    class ReadyReason(models.TextChoices):
        """Why the lead became conversation-ready (the agreement's rule, or a person's decision)."""

        HAND_RAISER = "hand_raiser", "Hand-raiser"
        SCORE = "score", "Score threshold"
        ACCOUNT = "account", "Account rule"
        DISPUTE = "dispute", "Disqualification disputed"
        SERVICE_HANDOFF = "service_handoff", "Handed over by Service"

    class Source(models.TextChoices):
        WEB_FORM = "web_form", "Web form"
        API = "api", "API"
        IMPORT = "import", "Import"
        EVENT = "event", "Event"
        PAID = "paid", "Paid ad"
        REFERRAL = "referral", "Referral"
        EXPANSION = "expansion", "Expansion (service)"
        PARTNER = "partner", "Partner"
        OUTBOUND = "outbound", "Outbound"

    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=150, blank=True)
    buying_role = models.CharField(
        max_length=20, choices=BuyingRole.choices, default=BuyingRole.UNKNOWN
    )
    buying_role_set_by_hand = models.BooleanField(default=False)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True)
    company_name = models.CharField(max_length=200, blank=True, help_text="As the buyer typed it.")
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,  # lead_account_owner_idx leads with it
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB_FORM)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        help_text="Campaign of first touch.",
        db_index=False,  # lead_campaign_created_idx leads with it
    )
    fit_score = models.SmallIntegerField(default=0)
    engagement_score = models.FloatField(default=0)
    score = models.SmallIntegerField(default=0, help_text="Fit plus engagement, rounded.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NURTURE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    assignment_version = models.PositiveIntegerField(
        default=0, help_text="Bumped on every (re)assignment; stale SLA timers compare it."
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    ready_agreement = models.ForeignKey(
        "scoring.QualificationAgreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ready_leads",
        help_text="The agreement version that made the lead ready.",
    )
    ready_reason = models.CharField(max_length=20, blank=True, choices=ReadyReason.choices)
    first_response_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_state = models.CharField(
        max_length=8, choices=SlaState.choices, default=SlaState.NONE, blank=True
    )
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    breached_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The rep who held the lead when its SLA was breached.",
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    sla_reassigned_at = models.DateTimeField(null=True, blank=True)
    pooled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When routing last found no rep and left it in the team pool.",
    )
    held_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the agreement's throttle held the lead: ready on score, its pool full.",
    )
    held_returned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the held queue last sent the lead back to nurture (too long, or the "
        "queue full): it is ready on score again only after a newer touch.",
    )
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_action_at = models.DateTimeField(
        null=True, blank=True, help_text="When the play's next open step or callback is due."
    )
    queue_bucket = models.GeneratedField(
        expression=QUEUE_BUCKET, output_field=models.SmallIntegerField(), db_persist=True
    )
    queue_at = models.GeneratedField(
        expression=QUEUE_AT, output_field=models.DateTimeField(), db_persist=True
    )
    queue_score = models.GeneratedField(
        expression=QUEUE_SCORE, output_field=models.IntegerField(), db_persist=True
    )
    last_touch_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    disqualified_at = models.DateTimeField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        constraints = [
            # one lead per address, whatever its case: the CHECK below keeps every stored email
            # lower-case and trimmed, so a plain unique index on the column is case-blind too,
            # and the one index serves intake's and the import's lookups by email
            models.UniqueConstraint(fields=["email"], name="lead_email_unique"),
            models.CheckConstraint(
                condition=Q(email=Lower(Trim("email"))), name="lead_email_normalised"
            ),
            models.CheckConstraint(condition=~Q(email=""), name="lead_email_not_blank"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["nurture", "ready", "held", "working", "converted", "disqualified"]
                ),
                name="lead_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(sla_state__in=["", "pending", "met", "breached"]),
                name="lead_sla_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(sla_state="pending")
                | Q(sla_due_at__isnull=False, owner__isnull=False),
                name="lead_pending_sla_has_due_and_owner",
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(assigned_at__isnull=False),
                name="lead_owner_has_assigned_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="working") | Q(owner__isnull=False),
                name="lead_working_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(is_archived=False) | Q(archived_at__isnull=False),
                name="lead_archived_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(owner__isnull=True, held_at__isnull=False),
                name="lead_held_has_no_owner",
            ),
        ]
        indexes = [
            # The rep's queue: one owner's open leads in queue order (QUEUE_KEYS), so the page's
            # ORDER BY ... LIMIT reads the index instead of sorting the rep's open leads.
            models.Index(
                fields=["owner", "queue_bucket", "queue_at", "queue_score", "id"],
                name="lead_rep_queue_idx",
                condition=Q(status__in=OPEN_STATUSES, is_archived=False),
            ),
            # The manager's team queue: every open lead in queue order.
            models.Index(
                fields=["queue_bucket", "queue_at", "queue_score", "id"],
                name="lead_team_queue_idx",
                condition=Q(status__in=OPEN_STATUSES, is_archived=False),
            ),
            # The rep's day: the queue's counts by status and SLA state and the Today badge are
            # one index-only aggregate over the rep's open leads (every column they read is in
            # the key), and Today's due list reads it in next_action_at order.
            models.Index(
                fields=[
                    "owner",
                    "next_action_at",
                    "status",
                    "sla_state",
                    "first_response_at",
                    "ready_reason",
                ],
                name="lead_rep_day_idx",
                condition=open_lead_q(),
            ),
            # Today's first rows: a rep's untouched hand-raisers, soonest due first.
            models.Index(
                fields=["owner", "sla_due_at", "id"],
                name="lead_rep_hand_raiser_idx",
                condition=untouched_hand_raiser_q(is_archived=False),
            ),
            # Whom a rep may read at an account (theirs and the pool's), read from the index
            # alone: at 1M leads, asked for the first 1,001, PostgreSQL otherwise scanned every
            # lead for the 400 a rep reads at a 42k-person account (224 to 4 ms). Account first,
            # so it is also the foreign key's index.
            models.Index(
                fields=["account", "owner", "status", "is_archived", "id"],
                name="lead_account_owner_idx",
            ),
            # The lead page's "people at this account", by name.
            models.Index(
                fields=["account", "last_name", "first_name", "id"],
                name="lead_account_people_idx",
                condition=Q(is_archived=False),
            ),
            # The account page's people in their order (BUYING_ROLE_RANK, best score first,
            # abm.account_people): a page reads its rows from the index instead of sorting all
            # of the account's people, which grow with the account.
            models.Index(
                F("account"),
                BUYING_ROLE_RANK,
                -F("score"),
                F("id"),
                name="lead_account_rank_idx",
                condition=Q(is_archived=False),
            ),
            # The account roll-up after a touch (scoring.roll_up_accounts, which the worker
            # settles): its people's engagement summed, and who of each role may have engaged;
            # with the status included, the account page's people per role (and how many are
            # open) are counted from the index alone.
            models.Index(
                fields=["account", "buying_role", "engagement_score", "id"],
                include=["status", "is_archived"],
                name="lead_account_role_idx",
                condition=Q(is_archived=False),
            ),
            # The team pool (pool_lead_q): ready leads nobody holds, oldest first; also the
            # routing sweep, and the pool count as an index-only scan.
            models.Index(
                fields=["ready_at", "id"],
                name="lead_pool_idx",
                condition=pool_lead_q(),
            ),
            # The held queue (the throttle): best score first, then the longest held.
            models.Index(
                F("score").desc(),
                F("held_at").asc(),
                F("id").asc(),
                name="lead_held_queue_idx",
                condition=Q(status="held", is_archived=False),
            ),
            # The SLA sweep: pending clocks by due time.
            models.Index(
                fields=["sla_due_at"],
                name="lead_sla_sweep_idx",
                condition=Q(sla_state="pending", is_archived=False),
            ),
            # The sweep's second pass: breached, unanswered leads awaiting escalation/reassignment.
            models.Index(
                fields=["sla_due_at"],
                name="lead_sla_breached_open_idx",
                condition=Q(
                    sla_state="breached",
                    first_response_at__isnull=True,
                    status="ready",
                    is_archived=False,
                ),
            ),
            # Quarter reports: sales-ready leads by ready time, per campaign.
            models.Index(fields=["ready_at"], name="lead_ready_at_idx"),
            # the lead flow's answers in its window
            models.Index(
                fields=["first_response_at"],
                name="lead_first_response_idx",
                condition=Q(first_response_at__isnull=False),
            ),
            models.Index(fields=["campaign", "created_at"], name="lead_campaign_created_idx"),
            models.Index(
                fields=["status", "created_at"],
                # the lead flow counts the open set's load, backlog and archivings from here
                include=["is_archived", "first_response_at", "archived_at"],
                name="lead_status_created_idx",
            ),
            models.Index(fields=["updated_at", "id"], name="lead_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The full name, else the email (reads only NAME_FIELDS)."""
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email

    @property
    def is_open(self) -> bool:
        """A rep still has to act on it (the same test as LeadQuerySet.open())."""
        return self.status in OPEN_STATUSES and not self.is_archived


class Touchpoint(models.Model):
    """One event of the buyer's journey. Append-only in practice: journeys are history."""

    class Kind(models.TextChoices):
        PAGE_VIEW = "page_view", "Page view"
        DOWNLOAD = "download", "Download"
        WEBINAR = "webinar", "Webinar"
        EMAIL_CLICK = "email_click", "Email click"
        FORM_SUBMIT = "form_submit", "Form submit"
        AD_CLICK = "ad_click", "Ad click"
        EVENT = "event", "Event"
        MEETING = "meeting", "Meeting"
        # a row of a CSV import: a record that the buyer exists, not something they did
        IMPORT = "import", "Import"

    # the foreign keys' own indexes would repeat the first column of touch_lead_time_idx,
    # touch_account_time_idx and touch_campaign_time_idx: every touch written paid for both
    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, related_name="touchpoints", db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touchpoints",
        help_text="Copied from the lead so the account timeline needs no join through leads.",
        db_index=False,
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touchpoints",
        db_index=False,
    )
    asset = models.ForeignKey(
        "campaigns.Asset",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touchpoints",
    )
    occurred_at = models.DateTimeField()
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "page_view",
                        "download",
                        "webinar",
                        "email_click",
                        "form_submit",
                        "ad_click",
                        "event",
                        "meeting",
                        "import",
                    ]
                ),
                name="touchpoint_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="touch_lead_time_idx"),
            models.Index(fields=["account", "occurred_at"], name="touch_account_time_idx"),
            # Attribution and campaign funnel per quarter.
            models.Index(fields=["campaign", "occurred_at"], name="touch_campaign_time_idx"),
            # Hand-raises on booking forms per quarter (the performance page's booking card and
            # the meeting goals): one form's submits in a window, read from the index alone.
            models.Index(
                fields=["asset", "occurred_at"],
                include=["lead"],
                name="touch_form_asset_idx",
                condition=Q(kind="form_submit"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Activity(models.Model):
    """A contact attempt or conversation. The first one settles the SLA."""

    class Outcome(models.TextChoices):
        CONNECTED = "connected", "Connected"
        VOICEMAIL = "voicemail", "Left voicemail"
        NO_ANSWER = "no_answer", "No answer"
        BOUNCED = "bounced", "Bounced"
        REPLIED = "replied", "Replied"
        MEETING_BOOKED = "meeting_booked", "Meeting booked"
        SENT = "sent", "Sent (no reply yet)"

    # activity_lead_time_idx and activity_rep_time_idx lead with these: no index of their own
    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, related_name="activities", db_index=False
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.TextField(blank=True, max_length=10000)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["call", "email", "linkedin", "meeting", "sms"]),
                name="activity_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    outcome__in=[
                        "connected",
                        "voicemail",
                        "no_answer",
                        "bounced",
                        "replied",
                        "meeting_booked",
                        "sent",
                    ]
                ),
                name="activity_outcome_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["lead", "occurred_at"], name="activity_lead_time_idx"),
            models.Index(fields=["rep", "occurred_at"], name="activity_rep_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} – {self.get_outcome_display()}"


class LeadEvent(models.Model):
    """Append-only audit of every status, owner, score and SLA change. Also the SLA evidence.

    The database refuses UPDATE of these rows (a trigger, see migration 0002), and on
    PostgreSQL DELETE as well.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        TOUCHPOINT = "touchpoint", "Touchpoint added"
        STATUS = "status", "Status changed"
        OWNER = "owner", "Owner changed"
        SCORE = "score", "Score band changed"
        SLA = "sla", "SLA changed"
        PLAY = "play", "Play attached"
        STEP_DONE = "step_done", "Play step done"
        STEP_ADDED = "step_added", "Play step added"
        ATTEMPT = "attempt", "Attempt logged"
        FIELD = "field", "Details changed"
        ARCHIVED = "archived", "Archived"
        REENGAGE = "reengage", "Re-engage date reached"
        CAMPAIGN = "campaign", "Added to a campaign"

    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # event_lead_time_idx leads with it
    )
    # the lead's facts reached straight from the event (no column: joined on lead_id), so a
    # report over events groups by source campaign without joining the wide lead table
    facts = models.ForeignObject(
        "LeadFacts",
        on_delete=models.DO_NOTHING,
        from_fields=["lead"],
        to_fields=["lead"],
        related_name="+",
        null=True,
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system acted.",
    )
    reason = models.CharField(max_length=300, blank=True)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["lead", "at"], name="event_lead_time_idx"),
            models.Index(fields=["kind", "at"], name="event_kind_time_idx"),
            # The quarter's sales-ready cohort (every funnel, goal and scoreboard figure).
            models.Index(
                fields=["at", "lead"],
                name="event_became_ready_idx",
                condition=Q(kind="status", new_value="ready"),
            ),
            # The lead flow: the window's status changes, read from the index alone.
            models.Index(
                fields=["at"],
                include=["lead", "new_value", "old_value"],
                name="event_status_flow_idx",
                condition=Q(kind="status"),
            ),
            # Account hand-offs (the ready events that say who at the account engaged): the
            # account page's readiness panel finds the latest without reading every ready event.
            models.Index(
                fields=["at"],
                name="event_account_handoff_idx",
                condition=Q(kind="status", new_value="ready", payload__has_key="engaged"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            raise ValueError("LeadEvent is append-only; write a new event instead.")
        super().save(*args, **kwargs)

    save.alters_data = True  # type: ignore[attr-defined]

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("LeadEvent is append-only and cannot be deleted.")

    def summary(self) -> str:
        """The event in words, for the lead's history: codes become their labels."""
        kind = self.kind
        if kind == self.Kind.PLAY and self.reason == "play step completed":
            kind = self.Kind.STEP_DONE  # written before steps had a kind; events are not rewritten
        label = self.Kind(kind).label if kind in self.Kind.values else kind
        if kind == self.Kind.ATTEMPT:
            channel = self.payload.get("channel", "")
            outcome = self.new_value
            words = [
                Channel(channel).label if channel in Channel.values else channel,
                Activity.Outcome(outcome).label if outcome in Activity.Outcome.values else outcome,
            ]
            return f"{label}: {' · '.join(w for w in words if w)}"
        if kind in (self.Kind.STEP_DONE, self.Kind.STEP_ADDED):
            return f"{label}: {self.new_value}"
        if self.old_value or self.new_value:
            return f"{label}: {self.old_value or '—'} → {self.new_value or '—'}"
        return label


class LeadFacts(models.Model):
    """What the reports read about one lead, one row per lead, kept by the transaction that
    changes the lead (apps.leads.facts) so no page computes them per row at request time.

    source_campaign: the campaign of the lead's first campaign touch (earliest occurred_at,
    then lowest id) — the one "by campaign" definition. response_minutes: working minutes of
    the SLA calendar in force when the lead was answered, from ready_at to first_response_at.
    won_amount: the sum of the won opportunities it is the primary lead of. The other columns
    mirror the lead's. `python manage.py rebuild_facts` recomputes every row from the records.
    """

    lead = models.OneToOneField(
        Lead, primary_key=True, on_delete=models.CASCADE, related_name="facts"
    )
    source_campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # facts_campaign_ready_idx leads with it
    )
    source_touch_id = models.BigIntegerField(null=True, blank=True)
    source_touch_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    response_minutes = models.FloatField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    won_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    disqualified_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # feedback.DisqualificationReason's id; no foreign key, because feedback sits above leads
    disqualification_reason_id = models.IntegerField(null=True, blank=True)
    # What the cohort figures group and count, so a quarter's cohort is read from this narrow
    # table alone: the rep the lead counts for (the breached owner when its SLA was breached,
    # else the owner), its clock, whether it was followed up (an attempt logged) and whether
    # it is the primary lead of an opportunity; and its account, whose tier segments a goal.
    rep_id = models.BigIntegerField(null=True, blank=True)
    sla_state = models.CharField(max_length=10, blank=True, default="", db_default="")
    attempted = models.BooleanField(default=False, db_default=False)
    converted = models.BooleanField(default=False, db_default=False)
    account_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "lead facts"
        indexes = [
            # the campaign table and every "by campaign" figure group on this
            models.Index(
                fields=["source_campaign", "ready_at"],
                include=["response_minutes"],
                name="facts_campaign_ready_idx",
            ),
            # leads created in a quarter, by source campaign (the performance table)
            models.Index(
                fields=["created_at"],
                include=["source_campaign"],
                name="facts_created_idx",
            ),
            # a lead's source campaign by lead (the reason analytics and lists that join
            # disqualifications or leads to their facts): read from this index alone
            models.Index(
                fields=["lead"],
                include=["source_campaign"],
                name="facts_lead_campaign_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"facts of lead {self.lead_id}"


class CohortEntry(models.Model):
    """A lead's entry into one quarter's sales-ready cohort: one row per lead and quarter, dated
    by its first ready event in that quarter, carrying the LeadFacts columns the cohort figures
    group and count (copied again whenever they change, apps.leads.facts). A quarter's cohort is
    then one index range of this narrow table instead of a distinct over its ready events joined
    to the leads. The quarter is the configured one containing the day, else the calendar
    quarter; editing the quarters rebuilds the entries (apps.goals)."""

    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique (lead, quarter) constraint's index leads with it
    )
    quarter_starts_on = models.DateField()
    ready_on = models.DateField()
    rep_id = models.BigIntegerField(null=True, blank=True)
    source_campaign_id = models.BigIntegerField(null=True, blank=True)
    attempted = models.BooleanField(default=False)
    converted = models.BooleanField(default=False)
    sla_state = models.CharField(max_length=10, blank=True, default="")
    response_minutes = models.FloatField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "cohort entries"
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "quarter_starts_on"], name="cohort_entry_once_per_quarter"
            ),
        ]
        indexes = [
            # the cohort figures: one quarter's rows, read from the index alone (its account
            # too: a goal segmented by account tier counts its cohort without the leads)
            models.Index(
                fields=["quarter_starts_on", "rep_id", "source_campaign_id"],
                include=[
                    "attempted",
                    "converted",
                    "sla_state",
                    "response_minutes",
                    "lead",
                    "account_id",
                ],
                name="cohort_entry_quarter_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} in the quarter from {self.quarter_starts_on}"


class CohortCell(models.Model):
    """Running counts of a quarter's cohort entries (CohortEntry), so the cohort figures read a
    few thousand cells instead of hundreds of thousands of entries: the goal sheet, the
    scoreboard and the performance page then cost about the same at a million leads as at a
    hundred thousand (apps.goals.metrics.base). Two kinds of cell:

    - COUNTS: entries per (credited rep, source campaign, followed up, converted, clock);
    - the answered entries per speed bucket of their response minutes (floor(ln(1 + minutes) *
      100): buckets 1 % wide) in a set the pages show a median and a p90 of: the whole cohort
      (ALL), a rep's (REP: rep_id) or a source campaign's (CAMPAIGN: source_campaign_id, None
      for no campaign). Kept in bucket order in the index, they give each set's running total
      without sorting; a median's exact value is then read from the entries of its one bucket.

    A cell's count is the sum of its rows. PostgreSQL keeps them itself, in the statement that
    changes the entries: triggers (leads.0035) append one row per cell the statement changed
    with the change in its count, never updating a row in place, so concurrent intakes never
    wait on a shared counter; apps.leads.cells folds each cell's rows into one every few
    seconds. SQLite, the embedded default, has no cells: the figures read the entries there."""

    class Kind(models.IntegerChoices):
        COUNTS = 0, "counts"
        ALL = 1, "speeds of the cohort"
        REP = 2, "speeds of a rep's leads"
        CAMPAIGN = 3, "speeds of a source campaign's leads"

    quarter_starts_on = models.DateField()
    kind = models.SmallIntegerField(choices=Kind.choices)
    rep_id = models.BigIntegerField(null=True, blank=True)
    source_campaign_id = models.BigIntegerField(null=True, blank=True)
    attempted = models.BooleanField(null=True, blank=True)  # COUNTS only, as the next two
    converted = models.BooleanField(null=True, blank=True)
    sla_state = models.CharField(max_length=10, null=True, blank=True)
    speed_bucket = models.IntegerField(null=True, blank=True)  # the speed kinds only
    n = models.IntegerField()

    class Meta:
        indexes = [
            # a quarter's cells of one kind, read from the index alone, the speeds of each set
            # in bucket order
            models.Index(
                fields=[
                    "quarter_starts_on",
                    "kind",
                    "rep_id",
                    "source_campaign_id",
                    "speed_bucket",
                ],
                include=["attempted", "converted", "sla_state", "n"],
                name="cohort_cell_quarter_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.n:+d} cohort entries in the quarter from {self.quarter_starts_on}"


class CreatedCell(models.Model):
    """Running counts of the leads created per UTC day and source campaign (LeadFacts'
    created_at and source_campaign), so the performance table's "leads" column sums a quarter's
    days (a few hundred cells) instead of counting the quarter's leads: 56 ms at a million
    leads, for a figure every campaign row shows. A cell's count is the sum of its rows, kept
    as CohortCell's are: PostgreSQL's triggers on the facts (leads.0036) append a +n/-n row per
    cell a statement changed (an insert or a delete of facts, a lead's source campaign moving),
    apps.leads.cells folds them. SQLite has none: the column counts the facts there."""

    day = models.DateField()
    source_campaign_id = models.BigIntegerField(null=True, blank=True)
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["day", "source_campaign_id"], include=["n"], name="created_cell_day_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.n:+d} leads created on {self.day}"


class StatusMove(models.Model):
    """A lead's status event that moves the lead flow (apps.routing.capacity): into ready, or
    out of an open status. One row per such event, carrying the LeadFacts columns the flow
    reads about the lead (its source campaign, first response and archiving time), copied
    again whenever they change (apps.leads.facts), so the flow's window is one index range of
    this narrow table instead of the window's events joined to every lead's facts."""

    event = models.OneToOneField(
        LeadEvent, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    old_status = models.CharField(max_length=12)
    new_status = models.CharField(max_length=12)
    source_campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # a copy of the lead's facts, which hold the constraint
        db_index=False,  # read through the flow index only
        related_name="+",
    )
    first_response_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # the lead flow: the window's moves, read from the index alone
            models.Index(
                fields=["at"],
                include=[
                    "old_status",
                    "new_status",
                    "source_campaign",
                    "first_response_at",
                    "archived_at",
                    "lead",
                ],
                name="status_move_flow_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id}: {self.old_status} → {self.new_status}"


class CampaignMember(models.Model):
    """A lead enrolled in a campaign by marketing (the lead list's "Add to a campaign"): the
    campaign's audience for its nurture sequence, apart from the campaign the lead came from
    (LeadFacts.source_campaign). Once per campaign and lead; who added it and when."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="members"
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        related_name="campaign_memberships",
        db_index=False,  # campaign_member_lead_idx leads with it
    )
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "lead"], name="campaign_member_once"),
        ]
        indexes = [
            # the lead list's "member of" filter and the lead page's campaigns
            models.Index(fields=["lead", "campaign"], name="campaign_member_lead_idx"),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} in campaign {self.campaign_id}"


class AccountWeek(models.Model):
    """Touches at one account in one week, by the buying role of the person and the asset:
    what the account page's engagement charts read (a few hundred rows for twelve weeks instead
    of every touch of the account joined to its people). The week is the Monday it starts on in
    the site's time zone; asset_key is the asset's id, 0 for a touch without one. Kept by
    apps.leads.engagement in the transaction that writes a touch or changes a person's buying
    role; `python manage.py rebuild_facts` recomputes every row from the touches (after a
    change of TIME_ZONE too)."""

    account_id = models.BigIntegerField()
    week = models.DateField()
    buying_role = models.CharField(max_length=20, choices=BuyingRole.choices)
    asset_key = models.BigIntegerField(default=0)
    touches = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # also the charts' index: one account's weeks, in order
            models.UniqueConstraint(
                fields=["account_id", "week", "buying_role", "asset_key"],
                name="account_week_once",
            ),
        ]

    def __str__(self) -> str:
        return f"account {self.account_id}, week of {self.week}: {self.touches} touches"
