"""What an imported row records: a touch of kind "import" worth no engagement, unless the file
maps a touch kind or an asset column; never a form submission."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Account
from apps.imports import services
from apps.imports.models import ImportJob, ImportRejection
from apps.leads.models import BuyingRole, Lead, LeadEvent, Touchpoint
from apps.scoring import services as scoring
from apps.scoring.rulebook import rulebook
from tests import factories

pytestmark = pytest.mark.django_db


def _csv(tmp_path: Path, text: str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _job(path: Path, **mapping: str) -> ImportJob:
    job = services.create_import_job(actor=None, original_name=path.name, source_path=str(path))
    job.mapping = services.validate_mapping({**job.mapping, **mapping}, job.header)
    job.save()
    return job


def _import(job: ImportJob, chunk_size: int = 1000) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED)
    services.start_import(job_id=job.pk, actor=None)
    return services.run_import(job_id=job.pk, chunk_size=chunk_size)


def _touches(email: str) -> list[tuple[str, str | None, int | None]]:
    return list(
        Touchpoint.objects.filter(lead__email=email)
        .order_by("pk")
        .values_list("kind", "asset__slug", "campaign_id")
    )


def _touch_events(email: str) -> list[tuple[str, str]]:
    return [
        (event.new_value, event.payload["asset"])
        for event in LeadEvent.objects.filter(lead__email=email, kind="touchpoint").order_by("pk")
    ]


def _read_back(lead: Lead) -> float:
    """The engagement scoring computes from the lead's touchpoints in the database."""
    now = Touchpoint.objects.filter(lead=lead).latest("occurred_at").occurred_at
    return scoring.engagement_scores(lead_ids=[lead.pk], now=now, half_life_days=30)[lead.pk]


# --- The default: an import touch, no engagement ----------------------------------------------


def test_an_imported_row_adds_an_import_touch_with_no_engagement(tmp_path):  # type: ignore[no-untyped-def]
    # given a scoring rule the imported title meets
    factories.ScoringRuleFactory(value="vp", points=25)
    path = _csv(tmp_path, "email,title\nvera@acme.example,VP Sales\n")
    # when
    job = _import(_job(path))
    # then the row is recorded as an import, worth nothing: the score is the fit alone
    assert (job.status, job.created_count) == ("done", 1)
    vera = Lead.objects.get(email="vera@acme.example")
    assert _touches(vera.email) == [("import", None, None)]
    assert (vera.fit_score, vera.engagement_score, vera.score) == (25, 0.0, 25)
    assert _read_back(vera) == 0.0
    assert _touch_events(vera.email) == [("import", "")]
    assert not Touchpoint.objects.filter(kind="form_submit").exists()
    assert not LeadEvent.objects.filter(new_value="form_submit").exists()


def test_a_known_lead_reimported_gets_an_import_touch_and_keeps_its_score(tmp_path):  # type: ignore[no-untyped-def]
    # given a known lead scored on its fit alone, with no engagement
    factories.ScoringRuleFactory(value="cfo", points=30)
    known = factories.LeadFactory(
        email="kim@initech.example",
        title="CFO",
        fit_score=30,
        engagement_score=0,
        score=30,
        account=None,
    )
    path = _csv(tmp_path, "email,first_name\nkim@initech.example,Kim\n")
    # when it is imported again
    job = _import(_job(path))
    # then it is merged, with one import touch and the same score
    assert (job.created_count, job.merged_count) == (0, 1)
    known.refresh_from_db()
    assert _touches(known.email) == [("import", None, None)]
    assert _touch_events(known.email) == [("import", "")]
    assert (known.engagement_score, known.score) == (0.0, 30)
    assert not LeadEvent.objects.filter(lead=known, kind="score").exists()


def test_the_messy_file_records_every_row_as_an_import(tmp_path):  # type: ignore[no-untyped-def]
    path = Path(__file__).with_name("messy_leads.csv")
    _import(_job(path))
    assert set(Touchpoint.objects.values_list("kind", flat=True)) == {"import"}
    assert set(LeadEvent.objects.filter(kind="touchpoint").values_list("new_value", flat=True)) == {
        "import"
    }
    assert set(Lead.objects.values_list("engagement_score", flat=True)) == {0.0}


# --- Mapped kind and asset -----------------------------------------------------------------


@pytest.fixture
def whitepaper(db):  # type: ignore[no-untyped-def]
    return factories.AssetFactory(slug="guide", engagement_weight=10)


def test_a_mapped_kind_or_asset_gives_the_touch_that_kind_and_weight(tmp_path, whitepaper):  # type: ignore[no-untyped-def]
    # given kinds by value, by label and in capitals, an asset alone, and both together
    path = _csv(
        tmp_path,
        "email,Activity,Content\n"
        "web@acme.example,webinar,\n"
        "view@acme.example,Page view,\n"
        "meet@acme.example,MEETING,\n"
        "read@acme.example,,guide\n"
        "both@acme.example,download,guide\n"
        "twice@acme.example,webinar,\n"
        "twice@acme.example,,\n",
    )
    # when
    job = _import(_job(path, touch_kind="Activity", asset="Content"))
    # then each touch has the mapped kind and asset; the asset's campaign is credited
    assert (job.created_count, job.merged_count, job.rejected_count) == (6, 1, 0)
    campaign = whitepaper.campaign_id
    assert _touches("web@acme.example") == [("webinar", None, None)]
    assert _touches("view@acme.example") == [("page_view", None, None)]
    assert _touches("meet@acme.example") == [("meeting", None, None)]
    assert _touches("read@acme.example") == [("import", "guide", campaign)]
    assert _touches("both@acme.example") == [("download", "guide", campaign)]
    assert _touches("twice@acme.example") == [("webinar", None, None), ("import", None, None)]
    assert Lead.objects.get(email="read@acme.example").campaign_id == campaign
    assert _touch_events("both@acme.example") == [("download", "guide")]
    assert _touch_events("twice@acme.example") == [("webinar", ""), ("import", "")]
    # and the weight of its kind, or of its asset when it has one, as scoring reads it back
    engagement = dict(Lead.objects.values_list("email", "engagement_score"))
    assert engagement == {
        "web@acme.example": 8.0,
        "view@acme.example": 1.0,
        "meet@acme.example": 15.0,
        "read@acme.example": 10.0,
        "both@acme.example": 10.0,
        "twice@acme.example": 8.0,
    }
    for lead in Lead.objects.all():
        assert lead.engagement_score == pytest.approx(_read_back(lead), abs=0.01)
        assert lead.score == lead.fit_score + round(lead.engagement_score)


def test_a_mapped_kind_adds_engagement_to_a_known_lead(tmp_path):  # type: ignore[no-untyped-def]
    known = factories.LeadFactory(email="kim@initech.example", engagement_score=0, score=0)
    path = _csv(tmp_path, "email,touch_kind\nkim@initech.example,webinar\n")
    job = _import(_job(path))
    assert job.mapping["touch_kind"] == "touch_kind"  # guessed from the column's name
    known.refresh_from_db()
    assert _touches(known.email) == [("webinar", None, None)]
    assert known.engagement_score == pytest.approx(8.0, abs=0.01)


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (
            "clicked,",
            "touch kind (column 'Activity'): unknown kind 'clicked'; use one of page_view,",
        ),
        (",no-such-guide", "asset (column 'Content'): no active asset 'no-such-guide'"),
        (",retired", "asset (column 'Content'): no active asset 'retired'"),
    ],
)
def test_an_unknown_kind_or_asset_rejects_the_row_naming_the_column(  # type: ignore[no-untyped-def]
    tmp_path, whitepaper, cells, reason
):
    # given a valid row and one whose touch cannot be recorded
    factories.AssetFactory(slug="retired", is_active=False)
    path = _csv(
        tmp_path, f"email,Activity,Content\nok@acme.example,webinar,\nbad@acme.example,{cells}\n"
    )
    job = _job(path, touch_kind="Activity", asset="Content")
    # when
    job = _import(job)
    # then the row is rejected with the column named, and nothing is written for it
    assert (job.created_count, job.rejected_count) == (1, 1)
    rejection = ImportRejection.objects.get(job=job)
    assert (rejection.row_number, rejection.email) == (3, "bad@acme.example")
    assert rejection.reason.startswith(reason)
    assert not Lead.objects.filter(email="bad@acme.example").exists()
    assert not Account.objects.exclude(domain="acme.example").exists()
    assert Touchpoint.objects.count() == 1
    assert LeadEvent.objects.filter(kind="touchpoint").count() == 1
    rejected = "\n".join(",".join(map(str, r)) for r in services.rejected_rows(job))
    assert "column 'Activity'" in rejected or "column 'Content'" in rejected


def test_a_hand_raiser_asset_weighs_but_does_not_make_an_imported_lead_ready(  # type: ignore[no-untyped-def]
    tmp_path, agreement, demo_asset, django_capture_on_commit_callbacks
):
    # given an agreement under which a hand-raiser makes an intake lead ready at once
    assert agreement.hand_raiser_ready
    path = _csv(tmp_path, f"email,asset\nhana@acme.example,{demo_asset.slug}\n")
    # when the import maps the demo request
    with django_capture_on_commit_callbacks(execute=True):
        _import(_job(path))
    # then the touch carries the asset and its weight, but only the score could qualify it
    hana = Lead.objects.get(email="hana@acme.example")
    assert _touches(hana.email) == [("import", "demo-request", demo_asset.campaign_id)]
    assert hana.engagement_score == 20.0
    assert hana.score < agreement.score_threshold
    assert (hana.status, hana.owner_id) == ("nurture", None)
    assert not LeadEvent.objects.filter(lead=hana, kind="status").exists()


# --- The account is not inflated ------------------------------------------------------------


def test_an_import_does_not_inflate_the_account_readiness(  # type: ignore[no-untyped-def]
    tmp_path, agreement, django_capture_on_commit_callbacks
):
    # given an account one role short of the account rule, with its engagement rolled up
    agreement.account_min_roles = 2
    agreement.account_score_threshold = 10
    agreement.account_window_days = 30
    agreement.save()
    factories.BuyingRoleRuleFactory(keyword="ceo", role=BuyingRole.DECISION_MAKER)
    acme = factories.AccountFactory(domain="acme.example")
    champion = factories.LeadFactory(
        email="cham@acme.example", account=acme, buying_role=BuyingRole.CHAMPION
    )
    factories.TouchpointFactory(
        lead=champion, account=acme, kind="meeting", asset=None, occurred_at=timezone.now()
    )
    scoring.rescore_lead(lead=champion, agreement=agreement)
    scoring.roll_up_accounts(account_ids=[acme.pk], agreement=agreement)
    before = Account.objects.values_list(
        "engagement_score", "buying_roles_engaged", "is_conversation_ready"
    ).get(pk=acme.pk)
    assert before == (15.0, ["champion"], False)
    # when the CEO and a known colleague are imported (no kind mapped)
    path = _csv(tmp_path, "email,title\nceo@acme.example,CEO\ncham@acme.example,Champion\n")
    with django_capture_on_commit_callbacks(execute=True):
        _import(_job(path))
    # then the account's engagement, roles engaged and readiness are what they were
    after = Account.objects.values_list(
        "engagement_score", "buying_roles_engaged", "is_conversation_ready"
    ).get(pk=acme.pk)
    assert after == before
    assert set(Lead.objects.values_list("status", flat=True)) == {"nurture"}


@pytest.mark.parametrize(
    ("header", "row", "rolled_up"),
    [
        pytest.param("email", "new@acme.example", False, id="a-new-person-bare-row"),
        pytest.param("email,Content", "new@acme.example,guide", True, id="a-mapped-asset"),
        pytest.param("email", "cham@acme.example", True, id="a-known-person"),
    ],
)
def test_an_import_rolls_up_only_the_accounts_it_can_change(  # type: ignore[no-untyped-def]
    tmp_path, agreement, whitepaper, header, row, rolled_up
):
    # given an account with one person
    acme = factories.AccountFactory(domain="acme.example")
    factories.LeadFactory(email="cham@acme.example", account=acme, engagement_score=4)
    # when a file of one row is imported
    path = _csv(tmp_path, f"{header}\n{row}\n")
    mapping = {"asset": "Content"} if "Content" in header else {}
    with CaptureQueriesContext(connection) as queries:
        job = _import(_job(path, **mapping))
    # then a new name with a bare row (no engagement, no role) leaves the account alone; an
    # engaging touch or a known person (rescored) rolls it up
    assert job.created_count + job.merged_count == 1
    sums = [q for q in queries.captured_queries if "SUM(" in q["sql"] and "engagement" in q["sql"]]
    assert bool(sums) is rolled_up
    if "Content" in header:  # the new person's fresh engagement joins the account's
        assert Account.objects.get(pk=acme.pk).engagement_score == pytest.approx(14.0)


# --- The dry run ----------------------------------------------------------------------------


def test_the_dry_run_counts_the_touches_it_would_add_by_kind(tmp_path, whitepaper):  # type: ignore[no-untyped-def]
    # given rows of several kinds, one rejected, one merged into an earlier row
    path = _csv(
        tmp_path,
        "email,Activity,asset\n"
        "a@acme.example,webinar,\n"
        "b@acme.example,Webinar,guide\n"
        "c@acme.example,,\n"
        "c@acme.example,page view,\n"
        "d@acme.example,,guide\n"
        "e@acme.example,shouted,\n",
    )
    job = _job(path, touch_kind="Activity")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    # when
    job = services.dry_run_import(job_id=job.pk)
    # then the counts, the touches by kind (in the kinds' order), and nothing written
    assert (job.check_created, job.check_merged, job.check_rejected) == (4, 1, 1)
    assert services.dry_run_touches(job) == [("Page view", 1), ("Webinar", 2), ("Import", 2)]
    assert not Lead.objects.exists()
    assert not Touchpoint.objects.exists()
    report = services.report_preview(job)
    assert [(row[2], row[4], row[5]) for row in report] == [
        ("create", "webinar", ""),
        ("create", "webinar", "guide"),
        ("create", "import", ""),
        ("merge", "page_view", ""),
        ("create", "import", "guide"),
        ("reject", "", ""),
    ]


def test_the_dry_run_without_touch_columns_counts_import_touches(tmp_path):  # type: ignore[no-untyped-def]
    path = _csv(tmp_path, "email\na@acme.example\nb@acme.example\nnot-an-email\n")
    job = _job(path)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    job = services.dry_run_import(job_id=job.pk)
    assert services.dry_run_touches(job) == [("Import", 2)]


def test_the_dry_run_page_shows_the_touches_by_kind(tmp_path, revops_client, revops):  # type: ignore[no-untyped-def]
    path = _csv(tmp_path, "email,touch_kind\na@acme.example,webinar\nb@acme.example,\n")
    job = _job(path)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING, created_by=revops)
    services.dry_run_import(job_id=job.pk)
    page = revops_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Touches it would add: <strong>1</strong> Webinar · <strong>1</strong> Import." in page
    assert "records a touch of kind “Import”" in page


def test_the_command_dry_run_counts_the_touches_by_kind(tmp_path):  # type: ignore[no-untyped-def]
    path = _csv(tmp_path, "email,Activity\na@acme.example,webinar\nb@acme.example,\n")
    out = io.StringIO()
    call_command(
        "import_leads", str(path), "--dry-run", "--mapping", "touch_kind=Activity", stdout=out
    )
    assert "touches to add: 1 import, 1 webinar." in out.getvalue()
    assert not ImportJob.objects.exists()


# --- Speed: the same statements whatever the number of rows ---------------------------------


def test_a_chunk_costs_the_same_queries_for_10_and_20_rows(tmp_path, whitepaper):  # type: ignore[no-untyped-def]
    # given files naming kinds, assets and campaigns on their rows
    campaign = factories.CampaignFactory(slug="spring")
    kinds = ["webinar", "Page view", "", "download"]

    def file(rows: int, prefix: str) -> Path:
        lines = "".join(
            f"p{i}@{prefix}{i % 3}.example,{kinds[i % 4]},{'guide' if i % 2 else ''},"
            f"{campaign.slug if i % 3 else ''}\n"
            for i in range(rows)
        )
        return _csv(tmp_path, "email,touch_kind,asset,campaign\n" + lines, f"{prefix}.csv")

    def queries(path: Path) -> int:
        job = _job(path)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED)
        services.start_import(job_id=job.pk, actor=None)
        with CaptureQueriesContext(connection) as captured:
            done = services.run_import(job_id=job.pk)
        assert (done.status, done.rejected_count) == ("done", 0)
        return len(captured)

    # (both sizes fit one batch of SQLite's bulk inserts, which splits at 999 parameters)
    small, large = file(10, "small"), file(20, "large")
    rulebook()  # the scoring rules are read once per process, not per file
    # when each file creates its leads, then is imported again and merges into them
    created = (queries(small), queries(large))
    merged = (queries(small), queries(large))
    # then the number of statements does not grow with the rows
    assert created[0] == created[1]
    assert merged[0] == merged[1]
