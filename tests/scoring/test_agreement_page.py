"""The qualification agreement in the app: /agreement/ shows the version in force in words, the
drafts with their signatures and what each version changed; a Marketing user signs a draft for
marketing and a Sales manager for sales, and the second signature brings it into force."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from apps.notifications.models import Notification
from apps.scoring import services
from apps.scoring.models import QualificationAgreement
from apps.scoring.services import Side
from apps.users.models import Role, User
from tests import factories
from tests.browser import sign_in

HOME = reverse("agreement:home")
SIGN = reverse("agreement:sign")
SIGNATURE_FIELDS = (
    "marketing_signer_id",
    "marketing_signed_at",
    "sales_signer_id",
    "sales_signed_at",
    "effective_from",
    "updated_at",
)


def signed(version: int, marketer: User, manager: User, **kwargs: Any) -> QualificationAgreement:
    """A version both sides signed, in force from a year ago unless told otherwise."""
    now = timezone.now()
    return factories.AgreementFactory(
        version=version,
        marketing_signer=marketer,
        marketing_signed_at=now - timedelta(days=400),
        sales_signer=manager,
        sales_signed_at=now - timedelta(days=400),
        **kwargs,
    )


def draft(version: int, **kwargs: Any) -> QualificationAgreement:
    return factories.AgreementFactory(version=version, **kwargs)


def snapshot(agreement: QualificationAgreement) -> tuple[Any, ...]:
    agreement.refresh_from_db()
    return tuple(getattr(agreement, name) for name in SIGNATURE_FIELDS)


def user_with(username: str, *roles: str) -> User:
    user: User = factories.UserFactory(username=username, first_name=username.title())
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


# --- The service: who signs, and what a signature does ---------------------------------------


def test_marketer_signs_a_draft_for_marketing_and_the_sales_managers_are_told(
    marketer: User, manager: User, rep: User
) -> None:
    # given
    agreement = draft(2, score_threshold=65)

    # when
    result = services.sign_agreement(version=2, side=Side.MARKETING, actor=marketer)

    # then
    agreement.refresh_from_db()
    assert result.pk == agreement.pk
    assert agreement.marketing_signer == marketer
    assert agreement.marketing_signed_at is not None
    assert agreement.sales_signed_at is None
    notices = Notification.objects.filter(kind=Notification.Kind.AGREEMENT)
    assert [n.recipient for n in notices] == [manager]  # not the rep: he does not sign
    assert notices[0].title == "Marketing signed qualification agreement v2: sales next"
    assert "Mia" in notices[0].body


def test_sales_manager_signs_a_draft_for_sales_and_marketing_is_told(
    marketer: User, manager: User
) -> None:
    # given
    agreement = draft(2)

    # when
    services.sign_agreement(version=2, side=Side.SALES, actor=manager)

    # then
    agreement.refresh_from_db()
    assert agreement.sales_signer == manager
    assert agreement.marketing_signed_at is None
    assert [n.recipient for n in Notification.objects.all()] == [marketer]


@pytest.mark.parametrize(
    ("roles", "side", "says"),
    [
        ((Role.SALES,), Side.SALES, "a sales rep may not"),
        ((Role.REVOPS,), Side.MARKETING, "RevOps drafts the agreement but does not sign it"),
        ((Role.REVOPS,), Side.SALES, "RevOps drafts the agreement but does not sign it"),
        ((Role.MARKETING,), Side.SALES, "Only a Sales manager signs the agreement for sales"),
        ((Role.SALES_MANAGER,), Side.MARKETING, "Only a Marketing user signs"),
        ((Role.SERVICE,), Side.MARKETING, "Only a Marketing user signs"),
        ((Role.SALES,), Side.MARKETING, "Only a Marketing user signs"),
    ],
)
def test_only_marketing_and_a_sales_manager_may_sign_and_nothing_is_written(
    db: None, roles: tuple[str, ...], side: str, says: str
) -> None:
    # given
    agreement = draft(2)
    actor = user_with("someone", *roles)
    before = snapshot(agreement)

    # when
    with pytest.raises(NotAllowed) as refused:
        services.sign_agreement(version=2, side=side, actor=actor)

    # then
    assert says in refused.value.message
    assert refused.value.status_code == 403
    assert snapshot(agreement) == before
    assert not Notification.objects.exists()


def test_a_side_cannot_sign_twice(marketer: User, manager: User) -> None:
    # given
    agreement = draft(2)
    services.sign_agreement(version=2, side=Side.MARKETING, actor=marketer)
    another_marketer = user_with("nina", Role.MARKETING)
    before = snapshot(agreement)
    notices = Notification.objects.count()

    # when
    with pytest.raises(Conflict) as refused:
        services.sign_agreement(version=2, side=Side.MARKETING, actor=another_marketer)

    # then
    assert refused.value.message.startswith("Marketing has signed version 2 already")
    assert refused.value.status_code == 409
    assert snapshot(agreement) == before
    assert Notification.objects.count() == notices


def test_a_fully_signed_version_cannot_be_signed(marketer: User, manager: User) -> None:
    # given
    agreement = signed(1, marketer, manager)
    other_manager = user_with("mona", Role.SALES_MANAGER)
    before = snapshot(agreement)

    # when
    with pytest.raises(InvalidTransition) as refused:
        services.sign_agreement(version=1, side=Side.SALES, actor=other_manager)

    # then
    assert "signed by both sides already and is frozen" in refused.value.message
    assert refused.value.field == "version"
    assert snapshot(agreement) == before
    assert not Notification.objects.exists()


def test_one_person_cannot_sign_for_both_sides(db: None) -> None:
    # given
    both = user_with("bo", Role.MARKETING, Role.SALES_MANAGER)
    agreement = draft(2)
    services.sign_agreement(version=2, side=Side.MARKETING, actor=both)
    before = snapshot(agreement)

    # when
    with pytest.raises(NotAllowed) as refused:
        services.sign_agreement(version=2, side=Side.SALES, actor=both)

    # then
    assert "someone else signs for sales" in refused.value.message
    assert snapshot(agreement) == before


def test_a_draft_older_than_a_signed_version_cannot_be_signed(
    marketer: User, manager: User
) -> None:
    # given
    old_draft = draft(2)
    signed(3, marketer, manager)
    before = snapshot(old_draft)

    # when
    with pytest.raises(InvalidTransition) as refused:
        services.sign_agreement(version=2, side=Side.MARKETING, actor=marketer)

    # then
    assert "older than version 3" in refused.value.message
    assert snapshot(old_draft) == before


def test_an_unknown_version_is_refused(marketer: User) -> None:
    with pytest.raises(DomainError) as refused:
        services.sign_agreement(version=99, side=Side.MARKETING, actor=marketer)
    assert refused.value.message == "There is no agreement version 99."


def test_in_force_after_the_second_signature_not_after_the_first(
    marketer: User, manager: User
) -> None:
    # given: v1 in force, v2 drafted with an effective date already past
    v1 = signed(1, marketer, manager)
    v2 = draft(2, score_threshold=65, effective_from=timezone.now() - timedelta(days=3))

    # when: marketing signs
    services.sign_agreement(version=2, side=Side.MARKETING, actor=marketer)

    # then: v1 is still in force
    assert QualificationAgreement.objects.in_force() == v1

    # when: sales signs
    before = timezone.now()
    services.sign_agreement(version=2, side=Side.SALES, actor=manager)

    # then: v2 is in force from the second signature (its past date moved to it), and
    # marketing is told that both sides have signed
    v2.refresh_from_db()
    assert QualificationAgreement.objects.in_force() == v2
    assert v2.effective_from == v2.sales_signed_at
    assert v2.effective_from >= before
    assert QualificationAgreement.objects.in_force(before - timedelta(seconds=1)) == v1
    last = Notification.objects.filter(recipient=marketer).get()
    assert last.title == "Qualification agreement v2 is signed by both sides"
    assert "It is in force now." in last.body


def test_a_future_effective_date_is_kept_and_the_version_waits_for_it(
    marketer: User, manager: User
) -> None:
    # given
    v1 = signed(1, marketer, manager)
    starts = timezone.now() + timedelta(days=10)
    v2 = draft(2, effective_from=starts)

    # when
    services.sign_agreement(version=2, side=Side.SALES, actor=manager)
    services.sign_agreement(version=2, side=Side.MARKETING, actor=marketer)

    # then
    v2.refresh_from_db()
    assert v2.is_signed
    assert v2.effective_from == starts
    assert QualificationAgreement.objects.in_force() == v1
    assert QualificationAgreement.objects.in_force(starts) == v2


# --- The page ---------------------------------------------------------------------------------


def test_the_page_shows_the_agreement_in_force_with_every_rule(
    sales_client: Client, marketer: User, manager: User
) -> None:
    # given
    signed(1, marketer, manager, hold_when_full=True, hold_ceiling=40, hold_expiry_hours=48)

    # when
    response = sales_client.get(HOME)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="in-force-title">Version 1 <span class="badge badge--success">In force' in page
    for text in (
        "A lead is ready when its fit + engagement score reaches 60.",
        "A demo or contact-sales request makes a lead ready at once.",
        "Engagement points halve every 30 days.",
        "at least 3 distinct buying roles engaged within 30 days and its account score is at "
        "least 150",
        "At most 40 leads wait per pool; a lead held longer than 48 hours goes back to nurture.",
        "At the ceiling, the bottom of the held queue goes back to nurture",
        "Signed by Mia Marketer",
        "Signed by Max Manager",
    ):
        assert text in page, text
    for label in ("Score threshold", "Hold ceiling per pool", "Recycle when full"):
        assert f'<dt class="fact__label">{label}</dt>' in page
    assert "No draft is waiting for a signature." in page


def test_the_history_shows_what_each_version_changed_newest_first(
    service_client: Client, marketer: User, manager: User
) -> None:
    # given
    now = timezone.now()
    signed(1, marketer, manager, effective_from=now - timedelta(days=300))
    signed(
        2,
        marketer,
        manager,
        score_threshold=65,
        hold_when_full=True,
        effective_from=now - timedelta(days=100),
    )

    # when
    page = service_client.get(HOME).content.decode()

    # then
    history = page[page.index('id="history-title"') :]
    assert "<li>Score threshold: 60 → 65</li>" in history
    assert "<li>Hold when the pool is full: No → Yes</li>" in history
    assert history.index('id="version-2"') < history.index('id="version-1"')
    assert "First version" in history
    assert re.search(r"Version 1</span> <span class=\"badge badge--neutral\">Superseded", history)


def test_drafts_show_which_side_has_signed_and_who_may_sign(
    client: Client, marketer: User, manager: User, rep: User, revops: User
) -> None:
    # given: v1 in force; v2 signed by marketing only; v3 signed by nobody
    signed(1, marketer, manager)
    draft(2, score_threshold=70, marketing_signer=marketer, marketing_signed_at=timezone.now())
    draft(3, engagement_half_life_days=14)

    # when
    client.force_login(manager)
    as_manager = client.get(HOME).content.decode()
    client.force_login(marketer)
    as_marketer = client.get(HOME).content.decode()
    client.force_login(rep)
    as_rep = client.get(HOME).content.decode()

    # then
    assert "Marketing has signed; awaiting sales" in as_manager
    assert "Awaiting marketing and sales" in as_manager
    assert "Score threshold: 60 → 70" in as_manager
    assert "Engagement half-life: 30 days → 14 days" in as_manager
    assert "Sign version 2 for sales" in as_manager
    assert "Sign version 3 for sales" in as_manager
    assert "for marketing</button>" not in as_manager
    assert "Sign version 2 for marketing" not in as_marketer  # marketing signed v2 already
    assert "Sign version 3 for marketing" in as_marketer
    assert "Sign version" not in as_rep
    assert "A Marketing user signs for marketing and a Sales manager for sales." in as_rep


def test_an_empty_agreement_page(marketing_client: Client) -> None:
    response = marketing_client.get(HOME)
    assert response.status_code == 200
    assert "There is no qualification agreement yet." in response.content.decode()


def test_the_navigation_links_the_agreement_for_every_role(service_client: Client) -> None:
    page = service_client.get(HOME).content.decode()
    assert f'<a class="nav__link" href="{HOME}" aria-current="page">Agreement</a>' in page


def test_signing_on_the_page_redirects_with_a_message(
    marketing_client: Client, marketer: User, manager: User
) -> None:
    # given
    draft(2)

    # when
    response = marketing_client.post(SIGN, {"version": 2, "side": "marketing"}, follow=True)

    # then
    assert response.redirect_chain == [(HOME, 302)]
    assert "You signed version 2 for marketing: it waits for the other side." in (
        response.content.decode()
    )
    assert QualificationAgreement.objects.get(version=2).marketing_signer == marketer


def test_a_refused_signature_is_shown_on_the_draft_with_its_status(
    manager_client: Client, marketer: User, manager: User
) -> None:
    # given: sales signed v2 already (as someone else)
    other = user_with("mona", Role.SALES_MANAGER)
    agreement = draft(2, sales_signer=other, sales_signed_at=timezone.now())
    before = snapshot(agreement)

    # when
    response = manager_client.post(SIGN, {"version": 2, "side": "sales"})

    # then
    assert response.status_code == 409
    page = response.content.decode()
    draft_card = page[page.index('id="draft-2"') :]
    assert "Nothing was signed. Sales has signed version 2 already" in draft_card
    assert snapshot(agreement) == before


def test_a_sales_rep_may_not_post_a_signature(sales_client: Client) -> None:
    # given
    agreement = draft(2)

    # when
    response = sales_client.post(SIGN, {"version": 2, "side": "sales"})

    # then
    assert response.status_code == 403
    assert snapshot(agreement)[3] is None


def test_a_signature_without_a_version_is_refused(marketing_client: Client) -> None:
    response = marketing_client.post(SIGN, {})
    assert response.status_code == 422
    assert "Choose a draft and the side to sign it for." in response.content.decode()


@pytest.mark.parametrize("versions", [2, 12])
def test_the_page_reads_a_constant_number_of_queries(
    django_assert_max_num_queries: Any,
    marketing_client: Client,
    marketer: User,
    manager: User,
    versions: int,
) -> None:
    # given: signed versions, each changing the threshold, and two drafts
    start = timezone.now() - timedelta(days=versions + 10)
    for number in range(1, versions + 1):
        signed(
            number,
            marketer,
            manager,
            score_threshold=50 + number,
            effective_from=start + timedelta(days=number),
        )
    draft(versions + 1, marketing_signer=marketer, marketing_signed_at=timezone.now())
    draft(versions + 2)

    # when / then: session, user, roles, unread count, in force, versions
    with django_assert_max_num_queries(6):
        response = marketing_client.get(HOME)
    assert response.status_code == 200
    assert f"Score threshold: {50 + versions - 1} → {50 + versions}" in response.content.decode()


# --- In the browser: mia then max sign a draft until it is in force --------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mia_then_max_sign_a_draft_in_the_browser(page: Page, live_server: Any) -> None:
    # given
    mia = user_with("mia", Role.MARKETING)
    mia.last_name = "Marketer"
    mia.save()
    max_ = user_with("max", Role.SALES_MANAGER)
    signed(1, mia, max_)
    draft(2, score_threshold=65, effective_from=timezone.now() - timedelta(hours=1))
    page.set_viewport_size({"width": 1300, "height": 1000})

    # when: mia signs for marketing
    sign_in(page, live_server.url, "mia", "Campaigns and feedback")
    page.get_by_role("link", name="Agreement").click()
    expect(page.get_by_role("heading", name="Qualification agreement")).to_be_visible()
    page.get_by_role("button", name="Sign version 2 for marketing").click()

    # then: it waits for sales; v1 is still in force
    expect(page.locator(".messages")).to_contain_text("it waits for the other side")
    expect(page.locator("#draft-2")).to_contain_text("Marketing has signed; awaiting sales")
    expect(page.locator("#in-force")).to_contain_text("Version 1")
    expect(page.get_by_role("button", name=re.compile("Sign version 2"))).to_have_count(0)

    # when: max signs for sales
    page.context.clear_cookies()
    sign_in(page, live_server.url, "max", "My queue")
    page.goto(f"{live_server.url}{HOME}")
    page.get_by_role("button", name="Sign version 2 for sales").click()

    # then: version 2 is in force, and the history says what changed
    expect(page.locator("#in-force")).to_contain_text("Version 2")
    expect(page.locator("#in-force")).to_contain_text("In force")
    expect(page.locator("#version-2")).to_contain_text("Score threshold: 60 → 65")
    expect(page.get_by_text("No draft is waiting for a signature.")).to_be_visible()
    assert QualificationAgreement.objects.in_force().version == 2  # type: ignore[union-attr]
