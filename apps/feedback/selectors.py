"""Reads for marketing's review of disqualifications: the open items with the lead's story."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from apps.core.memo import Memo
from apps.core.pagination import KeysetPage, keyset_page
from apps.feedback.filters import ReviewQueueFilter
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.leads.models import Activity, Touchpoint

REVIEW_LIMIT = 25
REVIEW_KEYS = ("at", "pk")  # oldest first: the review index


def _load_active_reasons() -> tuple[DisqualificationReason, ...]:
    return tuple(DisqualificationReason.objects.filter(is_active=True).order_by("label"))


_active_reasons = Memo("feedback:reasons", _load_active_reasons, models=(DisqualificationReason,))


def active_reasons() -> tuple[DisqualificationReason, ...]:
    """The reasons a rep may pick, by label: read once per process while RevOps changes none
    (every lead page offers them)."""
    return _active_reasons.get()


def _with_story(records: QuerySet[Disqualification]) -> QuerySet[Disqualification]:
    """The lead's journey (touchpoints with asset and campaign, oldest first) and the rep's
    attempts (with notes, which Marketing may read) prefetched: four queries for any number."""
    return records.select_related(
        "lead", "lead__facts__source_campaign", "lead__account", "reason", "rep", "reviewer"
    ).prefetch_related(
        Prefetch(
            "lead__touchpoints",
            queryset=Touchpoint.objects.select_related("asset", "campaign").order_by(
                "occurred_at", "pk"
            ),
        ),
        Prefetch(
            "lead__activities",
            queryset=Activity.objects.select_related("rep").order_by("occurred_at", "pk"),
        ),
    )


@dataclass(frozen=True)
class ReviewQueue:
    filters: ReviewQueueFilter
    page: KeysetPage  # REVIEW_LIMIT items after the cursor, with their story
    matching: int  # open items the filters match

    @property
    def is_filtered(self) -> bool:
        form = self.filters.form
        return form.is_bound and form.is_valid() and any(form.cleaned_data.values())


def review_queue_page(*, request: HttpRequest) -> ReviewQueue:
    """The open items the filters in `request.GET` match, oldest first, a keyset page at a time
    (`?after=`), with their count: the same few queries for any number of items."""
    filters = ReviewQueueFilter(
        request.GET or None,
        queryset=Disqualification.objects.filter(review_status=Disqualification.Review.OPEN),
    )
    matching = filters.qs
    page = keyset_page(_with_story(matching), request, keys=REVIEW_KEYS, page_size=REVIEW_LIMIT)
    return ReviewQueue(filters=filters, page=page, matching=matching.count())


def review_item(*, disqualification_id: int) -> Disqualification:
    """One review item with its story, whatever its review state, or 404."""
    return get_object_or_404(_with_story(Disqualification.objects.all()), pk=disqualification_id)


def review_counts() -> dict[str, int]:
    """How many items are open, acknowledged and disputed (one grouped query)."""
    counts = dict.fromkeys(Disqualification.Review.values, 0)
    for row in Disqualification.objects.values("review_status").annotate(n=Count("pk")).order_by():
        counts[row["review_status"]] = row["n"]
    return counts


def open_disqualifications(*, limit: int = 20) -> QuerySet[Disqualification]:
    """Disqualifications marketing has not reviewed yet, newest first."""
    return (
        Disqualification.objects.filter(review_status=Disqualification.Review.OPEN)
        .select_related("lead", "lead__facts__source_campaign", "lead__account", "reason", "rep")
        .order_by("-at", "-pk")[:limit]
    )
