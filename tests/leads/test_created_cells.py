"""The leads created per day and source campaign (CreatedCell) on PostgreSQL: the facts'
triggers keep each (UTC day, campaign) cell equal to the facts it counts through inserts,
upserts that change nothing the cell counts, a lead's source campaign moving, deletions, folds
and a rebuild; and the performance table's "leads" column sums a quarter's days from them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.db import connection

from apps.goals import metrics
from apps.imports import services as imports
from apps.imports.models import ImportJob
from apps.leads.cells import fold_cells, rebuild_created_cells
from apps.leads.models import CreatedCell, Lead, LeadFacts
from tests import factories
from tests.fixtures.cells import created_cells, created_of_facts

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at(month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def test_the_triggers_keep_each_days_cell_equal_to_its_facts() -> None:
    # given the webinar and the ads campaigns and four leads: two created on 2 Nov by the
    # webinar, one on 3 Nov by the ads, one on 3 Nov with no campaign
    quarter = factories.QuarterFactory()
    webinar, ads = factories.CampaignFactory(quarter=quarter), factories.CampaignFactory()
    leads = Lead.objects.bulk_create(
        Lead(email=f"n{i}@created.example", first_name="N") for i in range(5)
    )
    LeadFacts.objects.bulk_create(
        [
            LeadFacts(lead=leads[0], created_at=_at(11, 2), source_campaign=webinar),
            LeadFacts(lead=leads[1], created_at=_at(11, 2, 23, 59, 59), source_campaign=webinar),
            LeadFacts(lead=leads[2], created_at=_at(11, 3), source_campaign=ads),
            LeadFacts(lead=leads[3], created_at=_at(11, 3, 0, 0, 0)),
        ]
    )
    nov2, nov3 = date(2026, 11, 2), date(2026, 11, 3)
    assert created_cells() == {(nov2, webinar.pk): 2, (nov3, ads.pk): 1, (nov3, None): 1}
    rows = CreatedCell.objects.count()
    # when the facts are upserted with nothing the cells count changed (a lead converting)
    LeadFacts.objects.bulk_create(
        [LeadFacts(lead=leads[0], created_at=_at(11, 2), source_campaign=webinar, converted=True)],
        update_conflicts=True,
        unique_fields=["lead"],
        update_fields=["converted"],
    )
    # then no cell row is written
    assert CreatedCell.objects.count() == rows
    # when a lead's first campaign touch turns out to be the ads' (an older touch), a fifth
    # lead is created, one lead's facts are deleted, and the cells are folded
    LeadFacts.objects.filter(lead=leads[1]).update(source_campaign=ads)
    LeadFacts.objects.create(lead=leads[4], created_at=_at(11, 3), source_campaign=ads)
    LeadFacts.objects.filter(lead=leads[3]).delete()
    expected = {(nov2, webinar.pk): 1, (nov2, ads.pk): 1, (nov3, ads.pk): 2}
    assert created_cells() == expected == created_of_facts()
    fold_cells()
    # then one row per cell is left, with the same counts, and none for the emptied cell
    assert created_cells() == expected
    assert CreatedCell.objects.count() == len(expected)
    # and the cells emptied behind the triggers' back are written again by the rebuild
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE leads_createdcell")
    assert created_cells() == {}
    assert rebuild_created_cells() == 3
    assert created_cells() == expected


def test_the_performance_tables_leads_are_the_quarters_dayscreated_cells() -> None:
    # given 2026-Q4 and leads created by the webinar on its first second, on its last second
    # and one second after it, and one with no campaign in the middle of it
    quarter = factories.QuarterFactory(name="2026-Q4")
    webinar = factories.CampaignFactory(quarter=quarter)
    leads = Lead.objects.bulk_create(
        Lead(email=f"q{i}@created.example", first_name="Q") for i in range(4)
    )
    LeadFacts.objects.bulk_create(
        [
            LeadFacts(lead=leads[0], created_at=_at(10, 1, 0), source_campaign=webinar),
            LeadFacts(lead=leads[1], created_at=_at(12, 31, 23, 59, 59), source_campaign=webinar),
            LeadFacts(
                lead=leads[2],
                created_at=datetime(2027, 1, 1, tzinfo=UTC),
                source_campaign=webinar,
            ),
            LeadFacts(lead=leads[3], created_at=_at(11, 15)),
        ]
    )
    # when the performance table is computed
    table = metrics.campaign_performance(quarter, "w_shaped")
    # then the webinar created 2 leads in the quarter and 1 came with no campaign
    row = next(row for row in table.campaigns if row.key == webinar.pk)
    assert row.leads == 2
    assert table.no_campaign.leads == 1
    assert table.total.leads == 3


def _imported(path: Path) -> None:
    job = imports.create_import_job(actor=None, original_name=path.name, source_path=str(path))
    job.mapping = imports.validate_mapping(job.mapping, job.header)
    job.save()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED)
    imports.start_import(job_id=job.pk, actor=None)
    done = imports.run_import(job_id=job.pk)
    assert (done.status, done.rejected_count) == ("done", 0)


def test_an_import_and_a_reimport_that_gives_leads_their_first_campaign_keep_the_cells(
    tmp_path: Path,
) -> None:
    # given a file of six new people, four of them from the spring campaign
    spring = factories.CampaignFactory(slug="spring")
    path = tmp_path / "leads.csv"
    path.write_text(
        "email,campaign\n"
        + "".join(f"i{i}@import{i}.example,{'spring' if i % 3 else ''}\n" for i in range(6)),
        encoding="utf-8",
    )
    # when it is imported
    _imported(path)
    # then today's cells count 4 spring leads and 2 with no campaign, as the facts do
    today = LeadFacts.objects.values_list("created_at", flat=True).first().astimezone(UTC).date()
    assert created_cells() == {(today, spring.pk): 4, (today, None): 2} == created_of_facts()
    # when every row is imported again from the spring campaign (the two without one get
    # their first campaign touch: the import's touches update their facts in one statement)
    path.write_text(
        "email,campaign\n" + "".join(f"i{i}@import{i}.example,spring\n" for i in range(6)),
        encoding="utf-8",
    )
    _imported(path)
    # then the cells moved them: 6 spring leads, none without a campaign
    assert created_cells() == {(today, spring.pk): 6} == created_of_facts()
