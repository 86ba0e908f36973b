"""BuiltFields: a flat serializer builds its fields from their declarations on every instance,
without deep-copying them, and validates exactly as DRF's deep-copied fields do."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from apps.campaigns.models import Campaign
from apps.core.serializers import BuiltFields
from apps.intake.api import IntakeInput
from tests import factories


class _Deepcopied(IntakeInput):
    """IntakeInput with DRF's own get_fields (deep copies of the declarations)."""

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        return serializers.Serializer.get_fields(self)


def test_each_instance_has_its_own_fields_bound_to_it() -> None:
    # given two intake serializers
    first, second = IntakeInput(data={}), IntakeInput(data={})

    # then neither shares a field with the other or with the class's declarations
    for name, declared in IntakeInput._declared_fields.items():
        assert first.fields[name] is not declared
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
    assert issubclass(IntakeInput, BuiltFields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"email": "pat@acme.example", "kind": "page_view", "country": "de"},
        {"email": "not-an-email", "kind": "nope", "country": "x", "metadata": [1]},
        {"email": "pat@acme.example", "campaign": "no-such-campaign", "occurred_at": "soon"},
        {"kind": "form_submit", "first_name": "x" * 101, "source": "carrier pigeon"},
        {"email": "pat@acme.example", "campaign": "spring", "metadata": {"utm": "a"}},
    ],
)
def test_validation_matches_deep_copied_fields(data: dict[str, object]) -> None:
    # given a campaign the related field can find
    factories.CampaignFactory(slug="spring")
    built, copied = IntakeInput(data=data), _Deepcopied(data=data)

    # then both accept or refuse alike, with the same messages on the same fields
    assert built.is_valid() == copied.is_valid()
    assert built.errors == copied.errors
    if not built.errors:
        assert built.validated_data == copied.validated_data


@pytest.mark.django_db
def test_a_related_field_reads_rows_written_after_an_earlier_instance() -> None:
    # given a serializer that found no campaign "autumn"
    early = IntakeInput(data={"email": "pat@acme.example", "campaign": "autumn"})
    assert not early.is_valid()
    assert "campaign" in early.errors

    # when the campaign is created, a later serializer finds it (the queryset is not cached)
    factories.CampaignFactory(slug="autumn")
    later = IntakeInput(data={"email": "pat@acme.example", "campaign": "autumn"})

    assert later.is_valid(), later.errors
    assert later.validated_data["campaign"] == Campaign.objects.get(slug="autumn")


@pytest.mark.parametrize(
    "inner",
    [
        lambda: serializers.ListField(child=serializers.CharField()),
        lambda: serializers.DictField(child=serializers.IntegerField()),
        lambda: IntakeInput(),
        lambda: IntakeInput(many=True),
    ],
)
def test_a_serializer_holding_another_field_is_refused_when_defined(inner) -> None:  # type: ignore[no-untyped-def]
    # built again from the same arguments, every instance would share the inner field
    with pytest.raises(TypeError, match="flat serializers"):
        type(
            "Nested",
            (BuiltFields, serializers.Serializer),
            {"__module__": __name__, "inner": inner()},
        )
