"""AmongIds: a column among many ids, sent on PostgreSQL as one array parameter instead of one
parameter per id, with the same rows as `__in`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.lookups import AmongIds
from apps.leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db


def test_among_ids_finds_the_rows_in_falls_back_to_nothing_and_sends_one_array() -> None:
    # given five leads
    leads = factories.LeadFactory.create_batch(5)
    wanted = [leads[4].pk, leads[1].pk, 10**12]  # one id no row has

    # when they are read by AmongIds, and by an empty list
    with CaptureQueriesContext(connection) as queries:
        found = set(Lead.objects.filter(AmongIds("pk", wanted)).values_list("pk", flat=True))
    none = list(Lead.objects.filter(AmongIds("pk", [])))

    # then the same rows as pk__in, nothing for no ids, and on PostgreSQL one array parameter
    assert found == set(Lead.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert found == {leads[4].pk, leads[1].pk}
    assert none == []
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
        assert " IN (" not in sql
