"""Marketing's review of disqualifications, in place with htmx or as plain POSTs, and the reason
analytics with the records behind every number."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core import charts
from apps.core.csv_safe import csv_response
from apps.core.errors import Conflict
from apps.core.forms import INVALID_STATUS, call_service
from apps.core.htmx import REFUSED_HEADER
from apps.core.models import Quarter
from apps.core.quarters import pick_quarter, quarters
from apps.feedback import selectors, services
from apps.feedback.models import Disqualification
from apps.goals import metrics
from apps.marketing import selectors as analytics
from apps.marketing.forms.feedback import BulkAcknowledgeForm, ReviewForm
from apps.routing import held
from apps.users.http import HtmxHttpRequest
from apps.users.models import Role
from apps.users.roles import role_required

REVIEWERS = (Role.MARKETING, Role.REVOPS)
PAGE = "marketing/feedback.html"


def _quarter(request: HtmxHttpRequest) -> tuple[Quarter | None, list[Quarter]]:
    options = quarters()
    picked = pick_quarter(options, name=request.GET.get("quarter"), today=timezone.localdate())
    return picked, options


def _by(request: HtmxHttpRequest) -> str:
    by = request.GET.get("by") or "reason"
    return by if analytics.is_breakdown(by) else "reason"


def _analytics(quarter: Quarter | None, by: str) -> dict[str, Any]:
    if quarter is None:
        return {}
    previous = metrics.previous_quarter(quarter)
    over_time = metrics.reasons_over_time(quarter)
    columns = [f"{week.day} {week:%b}" for week in over_time.weeks]
    series = [(label, over_time.series(reason_id)) for reason_id, label in over_time.reasons]
    return {
        "previous": previous,
        "breakdown": analytics.breakdown_with_trend(quarter=quarter, previous=previous, by=by),
        "over_time": over_time,
        "over_time_rows": [
            (label, over_time.series(reason_id)) for reason_id, label in over_time.reasons
        ],
        "week_totals": over_time.week_totals(),
        "reasons_chart": charts.stacked_columns(
            chart_id="reasons-chart",
            title=f"Disqualifications by reason and week, {quarter.name}",
            columns=columns,
            series=series,
        ),
    }


def _filter_query(request: HtmxHttpRequest) -> str:
    """The queue's filters as a query string, for its paging links (the cursor dropped)."""
    kept = request.GET.copy()
    for name in ("after", "format", "table"):
        kept.pop(name, None)
    return kept.urlencode()


def _page_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    quarter, options = _quarter(request)
    by = _by(request)
    queue = selectors.review_queue_page(request=request)
    return {
        "queue": queue,
        "items": queue.page,
        "queue_query": _filter_query(request),
        "counts": selectors.review_counts(),
        "sent_back": held.sent_back_too_long(),
        "quarter": quarter,
        "quarters": options,
        "by": by,
        "by_label": analytics.BREAKDOWN_LABELS[by],
        "breakdowns": analytics.BREAKDOWN_LABELS,
        **_analytics(quarter, by),
        **extra,
    }


def _csv(request: HtmxHttpRequest, quarter: Quarter) -> HttpResponse:
    if request.GET.get("table") == "breakdown":
        by = _by(request)
        previous = metrics.previous_quarter(quarter)
        rows = analytics.breakdown_with_trend(quarter=quarter, previous=previous, by=by)
        header = [
            analytics.BREAKDOWN_LABELS[by],
            "Disqualifications",
            "Share (%)",
            "Rate (%)",
            f"Disqualifications {previous.name if previous else 'previous quarter'}",
            f"Rate {previous.name if previous else 'previous quarter'} (%)",
            "Trend",
        ]
        cells = [
            [r.label, r.count, r.share, r.rate, r.previous_count, r.previous_rate, r.trend]
            for r in rows
        ]
        return csv_response(f"{quarter.name}-disqualifications-by-{by}.csv", header, cells)
    over_time = metrics.reasons_over_time(quarter)
    header = ["Reason", *[week.isoformat() for week in over_time.weeks], "Total"]
    body = [
        [label, *over_time.series(reason_id), sum(over_time.series(reason_id))]
        for reason_id, label in over_time.reasons
    ]
    body.append(["All reasons", *over_time.week_totals(), sum(over_time.week_totals())])
    return csv_response(f"{quarter.name}-reasons-by-week.csv", header, body)


@require_GET
@vary_on_headers("HX-Request")
@role_required(*REVIEWERS)
def review_page(request: HtmxHttpRequest) -> HttpResponse:
    """Open review items with each lead's journey and the rep's attempts; reason analytics."""
    if request.GET.get("format") == "csv":
        quarter, _ = _quarter(request)
        if quarter is None:
            raise Http404("No quarter is configured.")
        return _csv(request, quarter)
    if request.htmx and request.htmx.target == "review-counts":
        # refreshed after each in-place review ("review-changed")
        return render(request, f"{PAGE}#review-counts", {"counts": selectors.review_counts()})
    template = PAGE
    if request.htmx and request.htmx.target == "analytics":
        template = f"{PAGE}#analytics"
    elif request.htmx and request.htmx.target == "review-queue":
        template = f"{PAGE}#review-queue"
    return render(request, template, _page_context(request))


@require_POST
@role_required(*REVIEWERS)
def bulk_acknowledge(request: HtmxHttpRequest) -> HttpResponse:
    """Acknowledge the ticked open items with one action note; back to the queue as filtered."""
    form = BulkAcknowledgeForm(request.POST)
    if form.is_valid():
        outcome = call_service(
            form,
            services.acknowledge_many,
            disqualification_ids=form.cleaned_data["ids"],
            actor=request.user,
            note=form.cleaned_data["action_note"],
        )
        if outcome and outcome.result is not None:
            done = outcome.result
            text = f"Acknowledged {done.acknowledged} item{'s' if done.acknowledged != 1 else ''}."
            if done.already_reviewed:
                text += f" {done.already_reviewed} had been reviewed already and were left as they were."
            messages.success(request, text)
            return redirect(f"{reverse('feedback:home')}?{form.cleaned_data['back']}")
    errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
    messages.error(request, errors or "Nothing was acknowledged.")
    back = request.POST.get("back", "")
    return redirect(f"{reverse('feedback:home')}?{back}" if back else reverse("feedback:home"))


def _item_response(
    request: HtmxHttpRequest, dq: Disqualification, form: ReviewForm | None, status: int
) -> HttpResponse:
    response = render(request, f"{PAGE}#review-item", {"dq": dq, "form": form}, status=status)
    if status >= 400:
        response[REFUSED_HEADER] = "1"
    return response


def _done_message(dq: Disqualification) -> str:
    name = dq.lead.display_name
    if dq.review_status == Disqualification.Review.ACKNOWLEDGED:
        return f"Acknowledged: {name}."
    if dq.review_status == Disqualification.Review.RECYCLED:
        wakes = f"; it wakes on {dq.reengage_on:%d %b %Y}" if dq.reengage_on else ""
        return f"Recycled: {name} is back in nurture{wakes}."
    outcome = dq.get_dispute_outcome_display().lower()
    return f"Disputed: {name} goes back as {outcome}; the sales manager is told."


@require_POST
@role_required(*REVIEWERS)
def review(request: HtmxHttpRequest, disqualification_id: int) -> HttpResponse:
    """Acknowledge (with an action note) or dispute (back to nurture or re-routed ready)."""
    dq = selectors.review_item(disqualification_id=disqualification_id)
    form = ReviewForm(request.POST)
    status = INVALID_STATUS
    if form.is_valid():
        data = form.cleaned_data
        outcome = call_service(
            form,
            services.review_disqualification,
            disqualification_id=dq.pk,
            actor=request.user,
            decision=data["decision"],
            note=data["action_note"],
            dispute_outcome=data["dispute_outcome"],
            reengage_on=data["reengage_on"],
        )
        if outcome:
            dq = selectors.review_item(disqualification_id=dq.pk)
            done = _done_message(dq)
            if request.htmx:
                response = _item_response(request, dq, None, 200)
                response["HX-Trigger"] = "review-changed"
                return response
            messages.success(request, done)
            return redirect("feedback:home")
        status = outcome.status
        if isinstance(outcome.error, Conflict):
            # Someone reviewed it first: show their review, politely, instead of a form.
            form = ReviewForm()
            form.conflict = outcome.error.message  # type: ignore[attr-defined]
            dq = selectors.review_item(disqualification_id=dq.pk)
    if request.htmx:
        return _item_response(request, dq, form, status)
    return render(
        request, PAGE, _page_context(request, failed=dq.pk, failed_form=form), status=status
    )


@require_GET
@role_required(*REVIEWERS)
def records(request: HtmxHttpRequest) -> HttpResponse:
    """The disqualifications behind one number of the reason analytics."""
    quarter, options = _quarter(request)
    by = _by(request)
    if quarter is None:
        raise Http404("No quarter is configured.")
    try:
        key = metrics.parse_breakdown_key(by, request.GET.get("key"))
    except ValueError as error:
        raise Http404(str(error)) from error
    rows, total = analytics.breakdown_records(quarter=quarter, by=by, key=key)
    label = next(
        (
            row.label
            for row in metrics.disqualification_breakdown(quarter, by=by)  # type: ignore[arg-type]
            if row.key == key
        ),
        "—" if key is None else str(key),
    )
    context = {
        "quarter": quarter,
        "quarters": options,
        "by": by,
        "by_label": analytics.BREAKDOWN_LABELS[by],
        "key": analytics.key_param(key),
        "label": label,
        "rows": rows,
        "total": total,
        "limit": analytics.RECORDS_LIMIT,
    }
    return render(request, "marketing/records.html", context)
