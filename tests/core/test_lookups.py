"""AmongIds: a column among many ids, sent on PostgreSQL as one array parameter instead of one
parameter per id, with the same rows as `__in`; AmongSubquery: a column among what a small
subquery returns, the subquery run first on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from apps.core.lookups import AmongIds, AmongSubquery
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


def test_among_subquery_finds_the_rows_a_limited_subquery_returns_in_one_statement() -> None:
    # given five leads, the two newest wanted (a subquery with its own order and LIMIT), and
    # a subquery that returns nothing
    leads = factories.LeadFactory.create_batch(5)
    newest = Lead.objects.order_by("-pk").values("pk")[:2]
    nobody = Lead.objects.filter(email="nobody@nowhere.example").values("pk")

    # when they are read by AmongSubquery, alone and ORed
    with CaptureQueriesContext(connection) as queries:
        found = set(Lead.objects.filter(AmongSubquery("pk", newest)).values_list("pk", flat=True))
    none = list(Lead.objects.filter(AmongSubquery("pk", nobody)))
    either = Q(AmongSubquery("pk", nobody)) | Q(AmongSubquery("pk", newest[:1]))
    one = list(Lead.objects.filter(either).values_list("pk", flat=True))

    # then the subquery's rows, in one statement (on PostgreSQL the subquery run first as an
    # array, whose rows are then probed by their index)
    assert found == {leads[4].pk, leads[3].pk}
    assert none == []
    assert one == [leads[4].pk]
    assert len(queries.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(" in queries.captured_queries[0]["sql"]
