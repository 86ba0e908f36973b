"""The accounts list and the account page: what each role sees, filters, the tier in place,
escaping, and the query count at 5 and 500 people."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone

from apps.abm import selectors as abm_selectors
from apps.abm.selectors import PEOPLE_PAGE_SIZE
from apps.accounts.models import Account
from apps.campaigns.models import Asset
from apps.feedback.models import Disqualification
from apps.leads.models import Lead, LeadEvent
from apps.users.models import User
from tests import factories
from tests.fixtures.leads import make_owned_lead

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["by id", "walking the account"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A rep reads an account's lists by their few people's ids or, once they read more than
    WALK_INDEX_FROM of its people, by walking the account's own rows with their filter: the
    tests that take this fixture hold both ways to the same answer."""
    if request.param == "walking the account":
        monkeypatch.setattr(abm_selectors, "WALK_INDEX_FROM", 0)
    return str(request.param)


def _buying_group(owner: User | None = None, size: int = 3) -> Account:
    """A target account with a decision maker, a champion and users who read a topic."""
    account = factories.AccountFactory(name="Northwind", domain="northwind.example", owner=owner)
    asset = factories.AssetFactory(
        name="Pricing guide", topic="Pricing", intent_note="Comparing vendors on cost."
    )
    roles = ["decision_maker", "champion"] + ["user"] * (size - 2)
    now = timezone.now()
    for n, role in enumerate(roles):
        lead = factories.LeadFactory(
            account=account,
            first_name=f"Person{n}",
            last_name="Northwind",
            buying_role=role,
            score=10 + n,
            owner=owner,
            assigned_at=now if owner else None,
        )
        factories.TouchpointFactory(
            lead=lead, asset=asset, occurred_at=now - timedelta(days=n % 60)
        )
    return account


# --- The list ---------------------------------------------------------------------------


def test_accounts_list_filters_by_tier_lifecycle_and_readiness(sales_client: Client) -> None:
    # given
    factories.AccountFactory(name="Target Ready", tier="target", is_conversation_ready=True)
    factories.AccountFactory(name="Target Quiet", tier="target")
    factories.AccountFactory(name="Customer Co", lifecycle="customer")

    # when
    ready = sales_client.get("/accounts/", {"tier": "target", "ready": "yes"})
    quiet = sales_client.get("/accounts/", {"tier": "target", "ready": "no"})
    customers = sales_client.get("/accounts/", {"lifecycle": "customer"})
    nonsense = sales_client.get("/accounts/", {"tier": "gold", "ready": "maybe"})

    # then
    assert [a.name for a in ready.context["page"]] == ["Target Ready"]
    assert [a.name for a in quiet.context["page"]] == ["Target Quiet"]
    assert [a.name for a in customers.context["page"]] == ["Customer Co"]
    assert nonsense.status_code == 200
    assert len(nonsense.context["page"]) == 3


def test_accounts_list_htmx_returns_the_results_region_and_pages_keep_filters(
    sales_client: Client,
) -> None:
    # given
    for n in range(52):
        factories.AccountFactory(name=f"Target {n:02d}", tier="target")
    factories.AccountFactory(name="Standard One")

    # when
    response = sales_client.get("/accounts/", {"tier": "target"}, headers={"HX-Request": "true"})

    # then
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="account-results"')
    assert "tier=target" in html
    assert "after=" in html
    assert "Standard One" not in html


# --- The account page -------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_fixture",
    ["sales_client", "manager_client", "marketing_client", "service_client", "revops_client"],
)
def test_every_role_reads_the_account_page(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    account = factories.AccountFactory(name="Umbrella", lifecycle="customer")

    # when
    response = request.getfixturevalue(client_fixture).get(f"/accounts/{account.pk}/")

    # then
    assert response.status_code == 200
    assert "Umbrella" in response.content.decode()


def test_account_page_shows_people_roles_timeline_and_engagement(
    marketing_client: Client, rep: User
) -> None:
    # given
    account = _buying_group(owner=rep, size=4)

    # when
    response = marketing_client.get(f"/accounts/{account.pk}/")

    # then
    html = response.content.decode()
    page = response.context["page"]
    assert [lead.buying_role for lead in response.context["people"]][:2] == [
        "decision_maker",
        "champion",
    ]
    assert page.people_total == 4
    assert [(r.role, r.people) for r in page.roles] == [
        ("decision_maker", 1),
        ("champion", 1),
        ("user", 2),
    ]
    assert len(page.timeline) == 4
    assert "Comparing vendors on cost." in html
    assert "Sam Rep" in html
    assert page.by_role.total == 4
    assert {s.label: s.total for s in page.by_role.series} == {
        "Decision maker": 1,
        "Champion": 1,
        "User": 2,
    }
    assert [(s.label, s.total) for s in page.by_topic.series] == [("Pricing", 4)]
    assert '<svg class="chart__svg"' in html
    assert 'id="chart-role-table"' in html
    # drawn: the topic's segments name their week's count, its table row its total
    assert re.search(r"<title>Pricing: \d in the week of \d{1,2} [A-Z][a-z]{2}</title>", html)
    assert '<tr><th scope="row">Pricing</th>' in html
    assert '<td class="num"><strong>4</strong></td></tr>' in html


def test_account_charts_escape_a_topic(marketing_client: Client, rep: User) -> None:
    # given: a topic typed with markup in it
    account = _buying_group(owner=rep, size=2)
    Asset.objects.update(topic='<img src=x onerror="alert(1)">')

    # when
    html = marketing_client.get(f"/accounts/{account.pk}/").content.decode()

    # then: in the segments' titles and the table alike, it is text
    assert "<img src=x" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") >= 2


def test_account_page_shows_open_deals_renewals_and_disqualifications(
    manager_client: Client, rep: User
) -> None:
    # given
    account = factories.AccountFactory(name="Initech", lifecycle="customer", owner=rep)
    lead = factories.LeadFactory(account=account, first_name="Dora", last_name="Dq")
    factories.OpportunityFactory(account=account, owner=rep, name="Initech expansion")
    factories.OpportunityFactory(
        account=account, owner=rep, name="Old win", stage="won", closed_at=timezone.now()
    )
    factories.RenewalFactory(account=account, amount=Decimal("48000"))
    reason = factories.DisqualificationReasonFactory(label="No budget")
    Disqualification.objects.create(lead=lead, rep=rep, reason=reason, at=timezone.now())

    # when
    html = manager_client.get(f"/accounts/{account.pk}/").content.decode()

    # then
    assert "Initech expansion" in html
    assert "Old win" not in html
    assert "48,000" in html
    assert "No budget" in html
    assert "Dora Dq" in html


def test_marketing_does_not_read_renewals(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory(lifecycle="customer")
    factories.RenewalFactory(account=account, amount=Decimal("77777"))

    # when
    response = marketing_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.context["page"].renewals is None
    assert "77,777" not in response.content.decode()


def test_rep_sees_only_visible_people_touches_and_own_deals(
    sales_client: Client, rep: User, other_rep: User, reading: str
) -> None:
    # given
    account = factories.AccountFactory(name="Hooli")
    now = timezone.now()
    mine = factories.LeadFactory(
        account=account, owner=rep, assigned_at=now, first_name="Mine", last_name="Lead"
    )
    theirs = factories.LeadFactory(
        account=account, owner=other_rep, assigned_at=now, first_name="Hidden", last_name="Person"
    )
    factories.TouchpointFactory(lead=mine)
    factories.TouchpointFactory(lead=theirs)
    factories.OpportunityFactory(account=account, owner=other_rep, name="Their deal")

    # when
    response = sales_client.get(f"/accounts/{account.pk}/")

    # then
    html = response.content.decode()
    assert "Mine Lead" in html
    assert "Hidden Person" not in html
    assert [t.lead_id for t in response.context["page"].timeline] == [mine.pk]
    assert "Their deal" not in html
    # account-level engagement counts every touch, without names
    assert response.context["page"].by_role.total == 2


def test_timeline_skips_the_touches_of_archived_and_departed_people_however_many(
    sales_client: Client, rep: User
) -> None:
    # given the rep's account, whose 70 newest touches are an archived person's and a person's
    # who has moved to another account, and whose 5 before them are a current person's
    account = factories.AccountFactory(owner=rep)
    now = timezone.now()
    current = factories.LeadFactory(account=account, owner=rep, assigned_at=now)
    archived = factories.LeadFactory(
        account=account, owner=rep, assigned_at=now, is_archived=True, archived_at=now
    )
    departed = factories.LeadFactory(account=factories.AccountFactory(), owner=rep, assigned_at=now)
    for i in range(70):
        factories.TouchpointFactory(
            lead=(archived, departed)[i % 2], account=account, occurred_at=now - timedelta(hours=i)
        )
    for i in range(5):
        factories.TouchpointFactory(
            lead=current, account=account, occurred_at=now - timedelta(days=10, hours=i)
        )

    # when
    timeline = sales_client.get(f"/accounts/{account.pk}/").context["page"].timeline

    # then only the current person's touches, newest first
    assert [touch.lead_id for touch in timeline] == [current.pk] * 5
    assert timeline == sorted(timeline, key=lambda touch: touch.occurred_at, reverse=True)


def test_rep_sees_the_disqualifications_of_the_people_they_may_read_newest_first(
    sales_client: Client, rep: User, other_rep: User, django_assert_max_num_queries, reading: str
) -> None:  # type: ignore[no-untyped-def]
    # given an account the rep does not own: a person of theirs disqualified twice (recycled
    # in between), one of another rep's, one in the pool (ready, nobody's) and an archived
    # person of theirs
    account = factories.AccountFactory(name="Hooli")
    now = timezone.now()
    mine = factories.LeadFactory(account=account, owner=rep, assigned_at=now)
    theirs = factories.LeadFactory(account=account, owner=other_rep, assigned_at=now)
    pooled = factories.LeadFactory(account=account, status=Lead.Status.READY, owner=None)
    archived = factories.LeadFactory(
        account=account, owner=rep, assigned_at=now, is_archived=True, archived_at=now
    )
    reason = factories.DisqualificationReasonFactory(label="No budget")
    rows = [
        (mine, 4, "first try"),
        (theirs, 1, "not for you"),
        (pooled, 3, "pool"),
        (mine, 2, "second try"),
        (archived, 5, "archived one"),
    ]
    for lead, days_ago, note in rows:
        Disqualification.objects.create(
            lead=lead, rep=other_rep, reason=reason, note=note, at=now - timedelta(days=days_ago)
        )

    # when
    with django_assert_max_num_queries(16):
        response = sales_client.get(f"/accounts/{account.pk}/")

    # then
    notes = [dq.note for dq in response.context["page"].disqualifications]
    assert notes == ["second try", "pool", "first try", "archived one"]
    assert "not for you" not in response.content.decode()


def test_rep_with_no_one_to_read_at_an_account_sees_no_disqualifications(
    sales_client: Client, other_rep: User, reading: str
) -> None:
    # given
    account = factories.AccountFactory(name="Hooli")
    theirs = factories.LeadFactory(account=account, owner=other_rep, assigned_at=timezone.now())
    reason = factories.DisqualificationReasonFactory(label="No budget")
    Disqualification.objects.create(lead=theirs, rep=other_rep, reason=reason, at=timezone.now())

    # when
    response = sales_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.status_code == 200
    assert response.context["page"].disqualifications == []


def test_ready_account_shows_who_engaged_from_the_handoff_event(
    sales_client: Client, rep: User
) -> None:
    # given
    now = timezone.now()
    account = factories.AccountFactory(owner=rep, is_conversation_ready=True, ready_since=now)
    best = factories.LeadFactory(
        account=account,
        owner=rep,
        assigned_at=now,
        first_name="Dana",
        last_name="Boss",
        buying_role="decision_maker",
        status="ready",
    )
    champ = factories.LeadFactory(account=account, first_name="Chad", last_name="Champ")
    factories.LeadEventFactory(
        lead=best,
        kind=LeadEvent.Kind.STATUS,
        old_value="nurture",
        new_value="ready",
        at=now,
        payload={
            "engaged": [
                {
                    "lead_id": best.pk,
                    "name": "Dana Boss",
                    "role": "decision_maker",
                    "what": "Pricing guide",
                    "at": now.isoformat(),
                },
                {
                    "lead_id": champ.pk,
                    "name": "Chad Champ",
                    "role": "champion",
                    "what": "ROI webinar",
                    "at": (now - timedelta(days=2)).isoformat(),
                },
            ]
        },
    )

    # when
    response = sales_client.get(f"/accounts/{account.pk}/")

    # then
    readiness = response.context["page"].readiness
    assert readiness.handed_to == best
    assert [(p.name, p.role_label) for p in readiness.people] == [
        ("Dana Boss", "Decision maker"),
        ("Chad Champ", "Champion"),
    ]
    assert not readiness.recomputed
    assert "ROI webinar" in response.content.decode()


def test_ready_account_without_a_handoff_event_recomputes_who_engaged(
    marketing_client: Client, agreement
) -> None:  # type: ignore[no-untyped-def]
    # given
    account = factories.AccountFactory(is_conversation_ready=True, ready_since=timezone.now())
    lead = factories.LeadFactory(account=account, first_name="Ina", last_name="Influencer")
    asset = factories.AssetFactory(name="Security whitepaper")
    factories.TouchpointFactory(lead=lead, asset=asset)
    factories.TouchpointFactory(
        lead=lead,
        asset=factories.AssetFactory(name="Ancient"),
        occurred_at=timezone.now() - timedelta(days=agreement.account_window_days + 1),
    )

    # when
    response = marketing_client.get(f"/accounts/{account.pk}/")

    # then
    readiness = response.context["page"].readiness
    assert readiness.recomputed
    assert [t.what for t in readiness.people[0].touches] == ["Security whitepaper"]


def test_account_page_escapes_user_text(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory(name="<script>alert(1)</script>Corp")
    lead = factories.LeadFactory(account=account, first_name="<b>Bold</b>")
    asset = factories.AssetFactory(intent_note="<img src=x onerror=alert(2)>", topic="<i>t</i>")
    factories.TouchpointFactory(lead=lead, asset=asset)

    # when
    html = marketing_client.get(f"/accounts/{account.pk}/").content.decode()

    # then
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Corp" in html
    assert "<img src=x" not in html
    assert "<b>Bold</b>" not in html
    assert "<i>t</i>" not in html


def test_people_table_pages_with_show_more(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory()
    factories.LeadFactory.create_batch(PEOPLE_PAGE_SIZE + 5, account=account, buying_role="user")

    # when
    first = marketing_client.get(f"/accounts/{account.pk}/")
    cursor = first.context["people"].next_cursor
    more = marketing_client.get(
        f"/accounts/{account.pk}/people/", {"people_after": cursor}, headers={"HX-Request": "true"}
    )
    plain = marketing_client.get(f"/accounts/{account.pk}/people/", {"people_after": cursor})

    # then
    assert len(first.context["people"]) == PEOPLE_PAGE_SIZE
    more_html = more.content.decode()
    assert more_html.lstrip().startswith("<tr>")  # rows only, for htmx to swap in
    assert more_html.count('class="row-title"') == 5
    assert "Show more people" not in more_html
    assert plain.status_code == 200
    assert "People at" in plain.content.decode()
    seen = {lead.pk for lead in first.context["people"]} | {
        lead.pk for lead in plain.context["people"]
    }
    assert len(seen) == PEOPLE_PAGE_SIZE + 5


@pytest.mark.parametrize("size", [5, 500])
def test_account_page_query_count_is_constant(
    marketing_client: Client, rep: User, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    account = _buying_group(owner=rep, size=size)
    account.is_conversation_ready = True
    account.ready_since = timezone.now()
    account.save()
    factories.OpportunityFactory(account=account, owner=rep)
    factories.RenewalFactory(account=account)

    # when
    # 4 for the layout (session, user, roles, unread badge); account, people, roles, timeline,
    # chart, deals, renewals, disqualifications, ready event, visible engaged, agreement
    with django_assert_max_num_queries(15):
        response = marketing_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.context["page"].people_total == size
    assert response.context["page"].by_role.total == size


@pytest.mark.parametrize("size", [5, 500])
def test_account_page_query_count_is_constant_for_a_rep(
    sales_client: Client, rep: User, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    account = _buying_group(owner=rep, size=size)

    # when
    with django_assert_max_num_queries(15):
        response = sales_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.context["page"].people_total == size


# --- Tier in place ----------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["marketing_client", "revops_client"])
def test_marketing_and_revops_set_the_tier_in_place(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    client = request.getfixturevalue(client_fixture)
    account = factories.AccountFactory(name="Acme")

    # when
    response = client.post(
        f"/accounts/{account.pk}/tier/", {"tier": "target"}, headers={"HX-Request": "true"}
    )

    # then
    account.refresh_from_db()
    assert account.tier == "target"
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="fact" id="account-tier"')
    assert "Target account" in html
    entry = LogEntry.objects.get(object_id=str(account.pk))
    assert entry.change_message == "Tier: Standard → Target account"


def test_tier_change_without_javascript_redirects_back(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory(tier="target")

    # when
    response = marketing_client.post(f"/accounts/{account.pk}/tier/", {"tier": "standard"})

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{account.pk}/"
    account.refresh_from_db()
    assert account.tier == "standard"


def test_invalid_tier_is_refused_with_a_message(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory()

    # when
    response = marketing_client.post(
        f"/accounts/{account.pk}/tier/", {"tier": "platinum"}, headers={"HX-Request": "true"}
    )

    # then
    assert response.status_code == 422
    assert b'role="alert"' in response.content
    account.refresh_from_db()
    assert account.tier == "standard"


@pytest.mark.parametrize("client_fixture", ["sales_client", "manager_client", "service_client"])
def test_other_roles_cannot_change_the_tier(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    account = factories.AccountFactory()
    client = request.getfixturevalue(client_fixture)

    # when
    response = client.post(f"/accounts/{account.pk}/tier/", {"tier": "target"})
    page = client.get(f"/accounts/{account.pk}/")

    # then
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.tier == "standard"
    assert f'action="/accounts/{account.pk}/tier/"' not in page.content.decode()


def test_tier_form_shows_for_marketing(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory()

    # when
    html = marketing_client.get(f"/accounts/{account.pk}/").content.decode()

    # then
    assert f'hx-post="/accounts/{account.pk}/tier/"' in html


def test_missing_account_is_404(sales_client: Client) -> None:
    # when
    response = sales_client.get("/accounts/999999/")

    # then
    assert response.status_code == 404


def test_status_choices_render_for_people(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory()
    factories.LeadFactory(account=account, status=Lead.Status.NURTURE, buying_role="champion")

    # when
    html = marketing_client.get(f"/accounts/{account.pk}/").content.decode()

    # then
    assert "badge--status-nurture" in html
    assert "role-tag--champion" in html


def test_accounts_list_shows_tier_lifecycle_owner_and_lead_count(
    service_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    acme = factories.AccountFactory(
        name="Acme Rockets", domain="acme.example", tier="target", owner=rep
    )
    factories.LeadFactory(account=acme)
    factories.LeadFactory(account=acme)

    # when
    response = service_client.get("/accounts/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Rockets" in html
    assert "Target" in html
    assert "Sam Rep" in html
    assert response.context["page"].items[0].lead_count == 2


def test_accounts_search_by_name_or_domain(sales_client: Client) -> None:
    # given
    factories.AccountFactory(name="Acme Rockets", domain="acme.example")
    factories.AccountFactory(name="Globex", domain="globex.example")

    # when
    by_domain = sales_client.get("/accounts/?q=GLOBEX.ex").content.decode()
    by_name = sales_client.get("/accounts/?q=rocket").content.decode()
    nothing = sales_client.get("/accounts/?q=zzz").content.decode()

    # then
    assert "Globex" in by_domain
    assert "Acme Rockets" not in by_domain
    assert "Acme Rockets" in by_name
    assert "No account matches" in nothing


def test_accounts_list_pages_with_a_cursor(sales_client: Client) -> None:
    # given
    for n in range(55):
        factories.AccountFactory(name=f"Firm {n:02d}")

    # when
    first = sales_client.get("/accounts/")
    second = sales_client.get("/accounts/", {"after": first.context["page"].next_cursor})

    # then
    assert len(first.context["page"]) == 50
    assert [a.name for a in second.context["page"]] == [f"Firm {n}" for n in range(50, 55)]


@pytest.mark.parametrize("size", [3, 30])
def test_accounts_query_count_does_not_grow(
    sales_client: Client,
    rep,
    size: int,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given
    for _ in range(size):
        account = factories.AccountFactory(owner=rep)
        factories.LeadFactory(account=account)

    # when
    # session, user, roles, unread badge, accounts with lead counts
    with django_assert_max_num_queries(6):  # + the Today badge for sales users
        response = sales_client.get("/accounts/")

    # then
    assert len(response.context["page"]) == size


def test_account_page_shows_its_people(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory(name="Umbrella")
    factories.LeadFactory(account=account, first_name="Alice", last_name="Umbrella")

    # when
    response = marketing_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.status_code == 200
    assert "Alice Umbrella" in response.content.decode()


def test_account_page_hides_people_a_rep_may_not_read(
    sales_client: Client, other_rep: User, reading: str
) -> None:
    # given
    account = factories.AccountFactory(name="Hooli")
    make_owned_lead(other_rep, account=account, first_name="Hidden", last_name="Person")

    # when
    response = sales_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.status_code == 200
    assert "Hidden Person" not in response.content.decode()


def test_a_rep_who_reads_many_of_the_people_pages_them_as_by_id(
    client: Client, rep: User, other_rep: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given another rep's account where the rep holds 56 people (three archived), of every
    # role and score, among 30 of the other rep's
    account = factories.AccountFactory(owner=other_rep)
    now = timezone.now()
    roles = ["user", "champion", "decision_maker", "unknown", "influencer"]
    mine = [
        factories.LeadFactory(
            account=account,
            owner=rep,
            assigned_at=now,
            buying_role=roles[i % 5],
            score=(i * 37) % 100,
            is_archived=i < 3,
            archived_at=now if i < 3 else None,
        )
        for i in range(56)
    ]
    factories.LeadFactory.create_batch(30, account=account, owner=other_rep, assigned_at=now)
    reason = factories.DisqualificationReasonFactory()
    for i, lead in enumerate(mine[:25]):
        factories.TouchpointFactory(lead=lead, occurred_at=now - timedelta(hours=i))
        Disqualification.objects.create(
            lead=lead, rep=rep, reason=reason, at=now - timedelta(hours=i)
        )
    client.force_login(rep)

    def read() -> tuple[list[int], list[int], list[int]]:
        first = client.get(f"/accounts/{account.pk}/")
        cursor = first.context["people"].next_cursor
        more = client.get(f"/accounts/{account.pk}/people/", {"people_after": cursor})
        page = first.context["page"]
        people = [lead.pk for lead in first.context["people"]]
        people += [lead.pk for lead in more.context["people"]]
        return (
            people,
            [touch.pk for touch in page.timeline],
            [dq.pk for dq in page.disqualifications],
        )

    # when they read the page, its second page of people, its timeline and disqualifications
    by_id = read()
    monkeypatch.setattr(abm_selectors, "WALK_INDEX_FROM", 10)  # they read more than that
    walking = read()

    # then both ways list the same 53 active people in the same order, and the same touches
    # and disqualifications
    assert walking == by_id
    assert sorted(by_id[0]) == sorted(lead.pk for lead in mine[3:])
    assert len(by_id[1]) == 22  # the archived three's touches left out
    assert len(by_id[2]) == 20  # the newest twenty, the archived three's among them


def test_account_engagement_separates_thousands_on_the_page_and_in_the_list(
    marketing_client: Client,
) -> None:
    # given an account whose people rolled up 116,647 points of engagement
    account = factories.AccountFactory(name="Granite Tools", engagement_score=116647)

    # when its page and the accounts list are read
    page = marketing_client.get(f"/accounts/{account.pk}/").content.decode()
    listed = marketing_client.get("/accounts/").content.decode()

    # then both read it as the cards beside it do
    assert '<span class="fact__value">116,647</span>' in page
    assert '<td class="num">116,647</td>' in listed
