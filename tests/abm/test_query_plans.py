"""The account page's readiness panel finds the account's latest hand-off from a partial index
of hand-off events, not by reading every "became ready" event since the account did (on
PostgreSQL; the plan is priced as in tests/sales/test_query_plans.py), and a rep's list of
disqualifications at an account reads only their people's; the account's people are paged and
counted from the people indexes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.abm.selectors import account_disqualifications, account_readiness, readable_people
from apps.accounts.models import Account
from apps.bench.bench import recording_statements
from apps.feedback.models import Disqualification
from apps.leads.models import BuyingRole, Lead, LeadEvent
from apps.users.models import User
from tests import factories
from tests.fixtures.leads import ready_events
from tests.fixtures.plans import explain, plan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_readiness_panel_reads_the_hand_off_index(rep) -> None:  # type: ignore[no-untyped-def]
    # given a ready account whose best contact was handed over with who engaged, among 400
    # other leads made ready since (individually: no one at an account engaged)
    now = timezone.now()
    account = factories.AccountFactory(
        owner=rep, is_conversation_ready=True, ready_since=now - timedelta(days=2)
    )
    contact = factories.LeadFactory(account=account)
    engaged = [{"lead_id": contact.pk, "name": "Pat", "role": "champion", "what": "Pricing"}]
    factories.LeadEventFactory(
        lead=contact,
        kind=LeadEvent.Kind.STATUS,
        old_value=Lead.Status.NURTURE,
        new_value=Lead.Status.READY,
        payload={"engaged": engaged},
        at=now - timedelta(days=1),
    )
    others = Lead.objects.bulk_create(
        Lead(email=f"solo{i}@solo.example", status=Lead.Status.NURTURE) for i in range(400)
    )
    ready_events(others, lambda i: now - timedelta(hours=i % 40))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_leadevent")
        cursor.execute("VACUUM ANALYZE leads_lead")
    # when the panel is read
    with recording_statements() as statements:
        readiness = account_readiness(user=rep, account=account, now=now)
    # then it shows the hand-off, found through the hand-off index
    assert readiness is not None
    assert readiness.handed_to == contact
    assert [person.lead_id for person in readiness.people] == [contact.pk]
    sql, params = next((s, p) for s, p in statements if '"payload" ?' in s)
    assert "event_account_handoff_idx" in plan(sql, params)


def _people(prefix: str, at: Account, n: int, **fields: Any) -> list[Lead]:
    """n leads at the account, with the fields given."""
    return Lead.objects.bulk_create(
        Lead(email=f"{prefix}{i}@x.example", account=at, **fields) for i in range(n)
    )


def test_a_reps_disqualifications_are_read_by_their_people_not_by_walking_all_of_them(
    rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given an account of 3,000 people disqualified under another rep and, oldest, 3 of the
    # rep's, who holds 3,000 people at another account: half of all leads are the rep's, so
    # joined to the people, the planner would take half the account's disqualifications for
    # theirs and walk them all newest first to find three
    now = timezone.now()
    account, elsewhere = factories.AccountFactory(), factories.AccountFactory()
    reason = factories.DisqualificationReasonFactory()

    theirs = _people("p", account, 3000, owner=other_rep, assigned_at=now)
    mine = _people("m", account, 3, owner=rep, assigned_at=now)
    _people("e", elsewhere, 3000, owner=rep, assigned_at=now)
    Disqualification.objects.bulk_create(
        Disqualification(lead=lead, rep=other_rep, reason=reason, at=now - timedelta(minutes=i))
        for i, lead in enumerate(theirs + mine)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE feedback_disqualification")
        cursor.execute("VACUUM ANALYZE leads_lead")
    # when the rep's list is read
    with recording_statements() as statements:
        listed = account_disqualifications(user=rep, account=account)
    # then it holds the rep's three, read through the disqualifications' lead index
    assert [dq.lead_id for dq in listed] == [lead.pk for lead in mine]
    sql, params = next((s, p) for s, p in statements if '"feedback_disqualification"' in s)
    text = explain(sql, params)
    assert "feedback_disqualification_lead_id" in text, text
    assert "dq_at_idx" not in text, text


def _open_account_page(client, user: User, account: Account):  # type: ignore[no-untyped-def]
    """The account page as `user` reads it, with the statements it ran (the leads analyzed)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leads_lead")
    client.force_login(user)
    with recording_statements() as statements:
        response = client.get(reverse("accounts:detail", args=[account.pk]))
    return response, statements


def test_the_account_people_are_paged_and_counted_from_the_index_not_sorted(client, rep) -> None:  # type: ignore[no-untyped-def]
    # given an account of 2,000 people of every buying role and score, owned by the rep, among
    # 2,000 people at another account
    account, elsewhere = factories.AccountFactory(owner=rep), factories.AccountFactory()
    roles = [role for role, _label in BuyingRole.choices]
    Lead.objects.bulk_create(
        Lead(
            email=f"p{i}@{at.domain}",
            account=at,
            buying_role=roles[i % len(roles)],
            score=(i * 37) % 100,
            status=Lead.Status.NURTURE,
        )
        for i in range(2000)
        for at in (account, elsewhere)  # interleaved: an account's people are spread out
    )
    # when the rep opens the account page
    response, statements = _open_account_page(client, rep, account)
    # then its first page of people is decision makers, best score first, read in that order
    # from the account's people index (no sort of the account's 2,000 people), and the people
    # per role are counted from the roll-up index alone
    assert response.status_code == 200
    listed = list(response.context["people"].items)
    assert {lead.buying_role for lead in listed} == {BuyingRole.DECISION_MAKER}
    assert [lead.score for lead in listed] == sorted((lead.score for lead in listed), reverse=True)
    people_sql, people_params = next((s, p) for s, p in statements if 'AS "role_rank"' in s)
    people_plan = plan(people_sql, people_params)
    assert "lead_account_rank_idx" in people_plan, people_plan
    assert "Sort" not in people_plan, people_plan
    count_sql, count_params = next(
        (s, p) for s, p in statements if "GROUP BY" in s and '"buying_role"' in s
    )
    count_plan = plan(count_sql, count_params)
    assert "Index Only Scan using lead_account_role_idx" in count_plan, count_plan


def test_a_rep_who_reads_a_few_of_the_people_pages_them_by_id_not_by_walking_the_account(
    client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given another rep's account of 3,000 people, 3 of them the rep's (one archived)
    now = timezone.now()
    account = factories.AccountFactory(owner=other_rep)
    Lead.objects.bulk_create(
        Lead(
            email=f"o{i}@{account.domain}",
            account=account,
            owner=other_rep,
            assigned_at=now,
            score=i % 100,
        )
        for i in range(3000)
    )
    mine = Lead.objects.bulk_create(
        Lead(
            email=f"m{i}@{account.domain}",
            account=account,
            owner=rep,
            assigned_at=now,
            score=10 * i,
        )
        for i in range(3)
    )
    Lead.objects.filter(pk=mine[0].pk).update(is_archived=True, archived_at=now)
    # and 3,000 people of the rep's at another account: half of all leads are the rep's, so the
    # planner takes half of this account's people for theirs
    elsewhere = factories.AccountFactory(owner=rep)
    Lead.objects.bulk_create(
        Lead(email=f"e{i}@{elsewhere.domain}", account=elsewhere, owner=rep, assigned_at=now)
        for i in range(3000)
    )
    # when the rep opens the account page
    response, statements = _open_account_page(client, rep, account)
    # then the people table lists their two active people, best score first, read by id
    # instead of walking the account's 3,000 people in the people index's order
    assert response.status_code == 200
    assert [lead.pk for lead in response.context["people"].items] == [mine[2].pk, mine[1].pk]
    sql, params = next((s, p) for s, p in statements if 'AS "role_rank"' in s)
    text = explain(sql, params)
    assert "lead_account_rank_idx" not in text, text


def test_a_rep_who_reads_many_of_the_people_walks_the_account_instead_of_listing_ids(
    client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given another rep's account of 3,000 people, 1,500 of them the rep's: more than
    # WALK_INDEX_FROM, so listing them by id would scan and sort all of the rep's there
    now = timezone.now()
    account = factories.AccountFactory(owner=other_rep)
    roles = [role for role, _label in BuyingRole.choices]
    Lead.objects.bulk_create(
        Lead(
            email=f"p{i}@{account.domain}",
            account=account,
            owner=(rep, other_rep)[i % 2],
            assigned_at=now,
            buying_role=roles[i % len(roles)],
            score=(i * 37) % 100,
        )
        for i in range(3000)
    )
    # when the rep opens the account page
    response, statements = _open_account_page(client, rep, account)
    # then the first page is theirs, read in order from the account's people index, and no
    # statement carries their ids
    assert response.status_code == 200
    listed = list(response.context["people"].items)
    assert {lead.owner_id for lead in listed} == {rep.pk}
    assert [lead.score for lead in listed] == sorted((lead.score for lead in listed), reverse=True)
    sql, params = next((s, p) for s, p in statements if 'AS "role_rank"' in s)
    text = explain(sql, params)
    assert "lead_account_rank_idx" in text, text
    assert "Sort" not in text, text
    assert not any("ANY(" in s for s, _ in statements)


def test_a_reps_few_readable_people_and_their_disqualifications_come_from_indexes(
    rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given an account of 3,000 people disqualified under another rep and 50 of its pool's
    # (ready, nobody's) whom the rep may read and nobody disqualified, the rep holding 3,000
    # people elsewhere: as at 1M leads, where asked for the first 1,001 readable people
    # PostgreSQL scanned every lead, and asked for the newest 20 disqualifications of the few
    # walked every disqualification newest first
    now = timezone.now()
    account, elsewhere = factories.AccountFactory(), factories.AccountFactory()
    reason = factories.DisqualificationReasonFactory()
    theirs = _people("t", account, 3000, owner=other_rep, assigned_at=now)
    pool = _people("p", account, 50, status=Lead.Status.READY, ready_at=now)
    _people("e", elsewhere, 3000, owner=rep, assigned_at=now)
    Disqualification.objects.bulk_create(
        Disqualification(lead=lead, rep=other_rep, reason=reason, at=now - timedelta(minutes=i))
        for i, lead in enumerate(theirs)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE feedback_disqualification")
        cursor.execute("VACUUM ANALYZE leads_lead")

    # when the rep's readable people and their disqualifications are read
    with recording_statements() as statements:
        readable = readable_people(user=rep, account=account)
        listed = account_disqualifications(user=rep, account=account, readable=readable)

    # then the pool's 50 are listed by id, read from the account-and-owner index alone
    assert sorted(readable.people) == sorted(lead.pk for lead in pool)
    ids_sql, ids_params = next(
        (s, p) for s, p in statements if s.startswith('SELECT "leads_lead"."id" AS "pk"')
    )
    ids_plan = plan(ids_sql, ids_params)
    assert "Index Only Scan using lead_account_owner_idx" in ids_plan, ids_plan
    # and none of them was disqualified: found by the disqualifications' lead index first,
    # the newest-first index not walked
    assert listed == []
    dq_sql, dq_params = next((s, p) for s, p in statements if '"feedback_disqualification"' in s)
    dq_plan = explain(dq_sql, dq_params)
    assert "feedback_disqualification_lead_id" in dq_plan, dq_plan
    assert "dq_at_idx" not in dq_plan, dq_plan
