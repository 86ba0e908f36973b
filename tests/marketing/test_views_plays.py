"""The plays workspace: who reads and who edits, the play editor's validation, deactivation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.plays.models import Play, PlayStep
from tests import factories

pytestmark = pytest.mark.django_db


def _post_data(**overrides: Any) -> dict[str, Any]:
    """A valid create/edit post: two steps, in order, due after assignment."""
    data: dict[str, Any] = {
        "name": "Pricing page visitors",
        "talk_track": "They compared plans: ask what they are replacing.",
        "priority": "150",
        "min_score": "40",
        "account_tier": "target",
        "buying_role": "decision_maker",
        "source": "web_form",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "30",
        "steps-0-order": "1",
        "steps-0-channel": "call",
        "steps-0-due_offset_minutes": "5",
        "steps-0-title": "Call within five minutes",
        "steps-1-order": "2",
        "steps-1-channel": "email",
        "steps-1-due_offset_minutes": "60",
        "steps-1-title": "Send the pricing recap",
        "steps-1-template": "Hi {first_name}, here is the comparison you looked at.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "client_fixture",
    ["sales_client", "manager_client", "marketing_client", "service_client", "revops_client"],
)
def test_every_role_reads_plays(request: pytest.FixtureRequest, client_fixture: str) -> None:
    # given
    play = factories.PlayFactory(name="Webinar follow-up", priority=120, is_account_play=True)
    factories.PlayStepFactory(play=play)

    # when
    client = request.getfixturevalue(client_fixture)
    listing = client.get("/marketing/plays/")
    detail = client.get(f"/marketing/plays/{play.pk}/")

    # then
    assert listing.status_code == 200
    assert detail.status_code == 200
    assert "Webinar follow-up" in listing.content.decode()
    assert "Account play" in listing.content.decode()


@pytest.mark.parametrize("client_fixture", ["sales_client", "service_client"])
def test_sales_and_service_cannot_edit_plays(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    play = factories.PlayFactory(name="Keep me")
    client = request.getfixturevalue(client_fixture)

    # when
    create_page = client.get("/marketing/plays/new/")
    create = client.post("/marketing/plays/new/", _post_data())
    edit = client.post(f"/marketing/plays/{play.pk}/edit/", _post_data(name="Renamed"))
    deactivate = client.post(f"/marketing/plays/{play.pk}/active/", {"active": "0"})
    listing = client.get("/marketing/plays/").content.decode()

    # then
    assert {create_page.status_code, create.status_code, edit.status_code} == {403}
    assert deactivate.status_code == 403
    play.refresh_from_db()
    assert (play.name, play.is_active) == ("Keep me", True)
    assert "/marketing/plays/new/" not in listing
    assert Play.objects.count() == 1


@pytest.mark.parametrize("client_fixture", ["marketing_client", "manager_client", "revops_client"])
def test_editors_create_a_play_with_ordered_steps_and_criteria(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    client = request.getfixturevalue(client_fixture)
    asset = factories.AssetFactory(name="Pricing page")
    campaign = factories.CampaignFactory(name="Q4 pricing push")

    # when
    response = client.post(
        "/marketing/plays/new/",
        _post_data(match_assets=[asset.pk], match_campaigns=[campaign.pk]),
    )

    # then
    play = Play.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/plays/{play.pk}/"
    assert (play.priority, play.min_score, play.account_tier, play.buying_role, play.source) == (
        150,
        40,
        "target",
        "decision_maker",
        "web_form",
    )
    assert list(play.match_assets.all()) == [asset]
    assert list(play.match_campaigns.all()) == [campaign]
    steps = list(play.steps.order_by("order").values_list("order", "channel", "due_offset_minutes"))
    assert steps == [(1, "call", 5), (2, "email", 60)]


def test_edit_replaces_steps_in_their_order_and_keeps_the_play(marketing_client: Client) -> None:
    # given
    play = factories.PlayFactory(name="Old name")
    factories.PlayStepFactory(play=play, order=1, title="Old step")

    # when
    page = marketing_client.get(f"/marketing/plays/{play.pk}/edit/")
    response = marketing_client.post(
        f"/marketing/plays/{play.pk}/edit/",
        _post_data(
            name="New name",
            **{
                "steps-0-order": "5",
                "steps-0-due_offset_minutes": "120",
                "steps-0-title": "Later step",
                "steps-1-order": "3",
                "steps-1-due_offset_minutes": "0",
                "steps-1-title": "First step",
            },
        ),
    )

    # then
    assert "Old step" in page.content.decode()
    assert response.status_code == 302
    play.refresh_from_db()
    assert play.name == "New name"
    assert list(play.steps.order_by("order").values_list("order", "title")) == [
        (1, "First step"),
        (2, "Later step"),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"steps-0-due_offset_minutes": "-5"}, "Offsets cannot be negative"),
        ({"steps-1-order": "1"}, "Two steps have the same order"),
        ({"steps-1-due_offset_minutes": "1"}, "is due before"),
        (
            {
                "steps-0-title": "",
                "steps-0-channel": "",
                "steps-0-order": "",
                "steps-0-due_offset_minutes": "",
                "steps-1-title": "",
                "steps-1-channel": "",
                "steps-1-order": "",
                "steps-1-due_offset_minutes": "",
                "steps-1-template": "",
            },
            "Add at least one step",
        ),
        ({"name": ""}, "This field is required"),
        ({"priority": "-1"}, "greater than or equal to 0"),
    ],
)
def test_play_editor_refuses_invalid_input_with_a_message(
    marketing_client: Client, overrides: dict[str, str], message: str
) -> None:
    # when
    response = marketing_client.post("/marketing/plays/new/", _post_data(**overrides))

    # then
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Play.objects.exists()


def test_only_one_active_default_play(marketing_client: Client) -> None:
    # given
    factories.PlayFactory(name="House default", is_default=True)

    # when
    response = marketing_client.post("/marketing/plays/new/", _post_data(is_default="on"))

    # then
    assert response.status_code == 422
    assert "“House default” is already the active default play" in response.content.decode()
    assert Play.objects.count() == 1


def test_deactivate_instead_of_delete_and_bring_back(marketing_client: Client) -> None:
    # given
    play = factories.PlayFactory(name="Seasonal")
    lead_play = factories.LeadPlayFactory(play=play)

    # when
    off = marketing_client.post(f"/marketing/plays/{play.pk}/active/", {"active": "0"})
    play.refresh_from_db()
    was_active = play.is_active
    on = marketing_client.post(f"/marketing/plays/{play.pk}/active/", {"active": "1"})

    # then
    assert off.status_code == on.status_code == 302
    assert was_active is False
    play.refresh_from_db()
    assert play.is_active is True
    assert Play.objects.filter(pk=lead_play.play_id).exists()


def test_reactivating_a_second_default_is_refused_with_a_message(
    marketing_client: Client,
) -> None:
    # given
    old = factories.PlayFactory(name="Old default", is_default=True, is_active=False)
    factories.PlayFactory(name="New default", is_default=True)

    # when
    response = marketing_client.post(
        f"/marketing/plays/{old.pk}/active/", {"active": "1"}, follow=True
    )

    # then
    assert "already the active default" in response.content.decode()
    old.refresh_from_db()
    assert old.is_active is False


def test_plays_list_escapes_user_text(marketing_client: Client) -> None:
    # given
    play = factories.PlayFactory(name="<script>x()</script>", talk_track="<b>bold</b>")
    factories.PlayStepFactory(play=play, title="<img src=x>", template="<i>t</i>")

    # when
    listing = marketing_client.get("/marketing/plays/").content.decode()
    detail = marketing_client.get(f"/marketing/plays/{play.pk}/").content.decode()

    # then
    for html in (listing, detail):
        assert "<script>x()" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in listing
    assert "<b>bold</b>" not in detail
    assert "<img src=x>" not in detail
    assert "<i>t</i>" not in detail


@pytest.mark.parametrize("size", [3, 30])
def test_plays_list_query_count_is_constant(
    marketing_client: Client, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    factories.QuarterFactory()
    asset = factories.AssetFactory()
    for _ in range(size):
        play = factories.PlayFactory()
        play.match_assets.add(asset)
        factories.PlayStepFactory(play=play)
        factories.LeadPlayFactory(play=play)

    # when
    # 4 layout; quarters, 2 performance GROUP BYs, play names, plays, assets, campaigns
    with django_assert_max_num_queries(11):
        response = marketing_client.get("/marketing/plays/")

    # then
    assert len(response.context["plays"]) == size


def test_steps_saved_are_the_ones_attached_at_handoff(marketing_client: Client) -> None:
    # given
    marketing_client.post("/marketing/plays/new/", _post_data(is_default="on"))
    play = Play.objects.get()

    # then
    assert PlayStep.objects.filter(play=play).count() == 2
    assert play.is_default
    assert play.is_active
