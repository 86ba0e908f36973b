"""Every lost deal gets a reason from the list: the default list for every install, plus one
reason for each distinct text the team typed before there was a list.

Texts are compared case- and whitespace-insensitively ("price", " Price " and "PRICE" are one
reason, named as the team wrote it most often; a text matching a default joins the default).
A text that only repeats its reason's name is cleared from the deal's details (the reason
holds it); any other text stays there, whole. A lost deal whose text was blank is linked to
"Not recorded", an archived reason, so it is counted but never offered.
"""

from django.db import migrations
from django.db.models import Count, Value
from django.db.models.functions import Concat, Substr

DEFAULT_REASONS = (
    "Price",
    "Chose a competitor",
    "No decision / went dark",
    "Timing",
    "Missing feature",
    "Budget cut",
)
NOT_RECORDED = "Not recorded"
NAME_LENGTH = 80  # LostReason.name
TEXT_LENGTH = 200  # Opportunity.lost_details
STEP = 10  # room between positions, so RevOps can slot a reason in between


def normalise(text):
    """One spelling per reason: runs of whitespace become one space, the ends trimmed."""
    return " ".join(text.split())


def reasons_from_texts(apps, schema_editor):
    LostReason = apps.get_model("opportunities", "LostReason")
    Opportunity = apps.get_model("opportunities", "Opportunity")
    reasons = {reason.name.casefold(): reason for reason in LostReason.objects.all()}
    last = max((reason.order for reason in reasons.values()), default=0)

    def reason_named(name, *, active=True):
        nonlocal last
        key = name.casefold()
        if key not in reasons:
            last += STEP
            reasons[key] = LostReason.objects.create(name=name, order=last, is_active=active)
        return reasons[key]

    for name in DEFAULT_REASONS:
        reason_named(name)
    unlinked = Opportunity.objects.filter(stage="lost", lost_reason__isnull=True)
    # most used spelling first, so a reason is named the way the team mostly wrote it; blank
    # texts last, so "Not recorded" ends the list
    spellings = (
        unlinked.values_list("lost_details")
        .annotate(deals=Count("pk"))
        .order_by("-deals", "lost_details")
    )
    for text, _deals in sorted(spellings, key=lambda row: not normalise(row[0])):
        name = normalise(text)[:NAME_LENGTH].strip()
        reason = reason_named(name) if name else reason_named(NOT_RECORDED, active=False)
        repeats_name = normalise(text).casefold() == reason.name.casefold()
        unlinked.filter(lost_details=text).update(
            lost_reason=reason, lost_details="" if repeats_name else text
        )


def texts_from_reasons(apps, schema_editor):
    """Backwards: a lost deal's text becomes its reason's name, followed by its details if it
    has any that do not already start with it (the old check wants a text); the reasons stay
    until 0006's reversal drops their table."""
    LostReason = apps.get_model("opportunities", "LostReason")
    Opportunity = apps.get_model("opportunities", "Opportunity")
    for reason in LostReason.objects.all():
        deals = Opportunity.objects.filter(lost_reason=reason)
        deals.exclude(lost_details="").exclude(lost_details__istartswith=reason.name).update(
            lost_details=Substr(Concat(Value(f"{reason.name}: "), "lost_details"), 1, TEXT_LENGTH)
        )
        deals.filter(lost_details="").update(lost_details=reason.name)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0006_lost_reason")]

    operations = [migrations.RunPython(reasons_from_texts, texts_from_reasons)]
