"""The accounts' weekly touches (AccountWeek) kept by the writes equal the ones rebuilt from the
touches: intake (new and known people, roles inferred from titles), imports (new rows, known
people whose role the file's title settles) and roles set by hand, in any order, across weeks."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from apps.imports import services as imports
from apps.imports.models import ImportJob
from apps.intake.services import IntakeData, intake_lead
from apps.leads import engagement
from apps.leads.models import AccountWeek, BuyingRole, Lead
from apps.leads.services import set_buying_role
from apps.scoring.models import BuyingRoleRule
from tests import factories

pytestmark = pytest.mark.django_db
_run = itertools.count()
TITLES = ["CEO", "Head of IT", "Data Analyst", "Consultant", ""]


def _kept() -> dict[engagement.Key, int]:
    return {
        (a, w, r, k): n
        for a, w, r, k, n in AccountWeek.objects.filter(touches__gt=0).values_list(
            "account_id", "week", "buying_role", "asset_key", "touches"
        )
    }


class EngagementMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.prefix = f"e{next(_run)}"
        self.domains = [f"{self.prefix}-{i}.example" for i in range(2)]
        for domain in self.domains:
            factories.AccountFactory(domain=domain)
        self.assets = [None, *(factories.AssetFactory() for _ in range(2))]
        self.rep = factories.UserFactory(username=f"{self.prefix}rep")
        self.rep.groups.add(Group.objects.get_or_create(name="Sales manager")[0])
        self.emails: list[str] = []
        self.files = TemporaryDirectory()

    def teardown(self) -> None:
        self.files.cleanup()

    def _email(self, new: bool, index: int) -> str:
        if new or not self.emails:
            domain = self.domains[len(self.emails) % 2]
            # a third of the people come from a domain no account matches
            if len(self.emails) % 3 == 2:
                domain = f"{self.prefix}-nobody.example"
            self.emails.append(f"p{len(self.emails)}@{domain}")
            return self.emails[-1]
        return self.emails[index % len(self.emails)]

    @rule(
        new=st.booleans(),
        index=st.integers(0, 20),
        title=st.sampled_from(TITLES),
        asset=st.integers(0, 2),
        days_ago=st.integers(0, 60),
    )
    def touch(self, new: bool, index: int, title: str, asset: int, days_ago: int) -> None:
        intake_lead(
            data=IntakeData(
                email=self._email(new, index),
                title=title,
                asset=self.assets[asset],
                kind="page_view",
                occurred_at=timezone.now() - timedelta(days=days_ago, hours=index),
            )
        )

    @rule(index=st.integers(0, 20), role=st.sampled_from(BuyingRole.values))
    def set_role(self, index: int, role: str) -> None:
        if self.emails:
            lead = Lead.objects.get(email=self.emails[index % len(self.emails)])
            set_buying_role(lead_id=lead.pk, actor=self.rep, role=role)

    @rule(
        rows=st.lists(
            st.tuples(st.booleans(), st.integers(0, 20), st.sampled_from(TITLES)),
            min_size=1,
            max_size=4,
        )
    )
    def import_rows(self, rows: list[tuple[bool, int, str]]) -> None:
        path = Path(self.files.name) / f"{len(list(Path(self.files.name).iterdir()))}.csv"
        lines = ["email,title"] + [f"{self._email(new, i)},{t}" for new, i, t in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        job = imports.create_import_job(actor=None, original_name=path.name, source_path=str(path))
        job.mapping = imports.validate_mapping(job.mapping, job.header)
        job.status = ImportJob.Status.CHECKED
        job.save()
        imports.start_import(job_id=job.pk, actor=None)
        imports.run_import(job_id=job.pk)

    @invariant()
    def kept_equals_rebuilt(self) -> None:
        assert _kept() == engagement.computed()


def test_kept_account_weeks_equal_rebuilt_ones(agreement) -> None:  # type: ignore[no-untyped-def]
    for order, (keyword, role) in enumerate(
        [("ceo", "decision_maker"), ("head", "champion"), ("analyst", "user")]
    ):
        BuyingRoleRule.objects.create(keyword=keyword, role=role, order=order)
    run_state_machine_as_test(
        EngagementMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_a_week_starts_on_the_local_monday(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/Berlin"
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin: the new week
    assert engagement.week_of(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == date(2026, 11, 30)
    assert engagement.week_of(datetime(2026, 11, 29, 22, 30, tzinfo=UTC)) == date(2026, 11, 23)


def test_the_rebuild_restores_rows_lost_behind_the_apps_back(agreement) -> None:  # type: ignore[no-untyped-def]
    account = factories.AccountFactory(domain="initech.example")
    for days in (0, 8, 8):
        intake_lead(
            data=IntakeData(
                email="ana@initech.example",
                kind="page_view",
                occurred_at=timezone.now() - timedelta(days=days),
            )
        )
    kept = _kept()
    assert sum(kept.values()) == 3
    assert {key[0] for key in kept} == {account.pk}
    AccountWeek.objects.all().delete()
    assert engagement.rebuild() == len(kept)
    assert _kept() == kept
