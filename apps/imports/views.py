"""The import pages: upload, map columns, dry run, import with a live progress bar, reports."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from apps.core.csv_safe import stream_rows
from apps.core.forms import call_service, call_service_or_message
from apps.imports import selectors, services
from apps.imports.forms import MappingForm, UploadForm, too_large_message
from apps.imports.models import ImportJob
from apps.users.http import HtmxHttpRequest
from apps.users.roles import role_required

imports_role = role_required(*services.IMPORT_ROLES)


def _declared_length(request: HtmxHttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@imports_role
@require_http_methods(["GET", "POST"])
def import_list(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST" and _declared_length(request) > settings.IMPORT_MAX_UPLOAD_BYTES:
        # Refused before Django reads the body: a huge upload never reaches the disk.
        form = UploadForm(data={})
        form.is_valid()
        form.errors.clear()
        form.add_error("file", too_large_message())
        jobs = selectors.recent_jobs(user=request.user)
        return render(request, "imports/list.html", {"form": form, "jobs": jobs}, status=413)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = call_service(
            form,
            services.create_import_job,
            actor=request.user,
            original_name=upload.name,
            upload=upload,
        )
        if outcome and (job := outcome.result) is not None:
            return redirect("imports:detail", job_id=job.pk)
    jobs = selectors.recent_jobs(user=request.user)  # type: ignore[arg-type]
    status = 422 if form.errors else 200
    return render(request, "imports/list.html", {"form": form, "jobs": jobs}, status=status)


def _detail_context(job: ImportJob, form: MappingForm | None = None) -> dict[str, object]:
    initial: dict[str, object] = {**job.mapping, MappingForm.TAG: job.campaign_id}
    return {
        "job": job,
        "file_format": services.FileFormat.of(job),
        "discardable": job.status in services.DISCARDABLE,
        "form": form or MappingForm(initial=initial, header=job.header),
        "preview": services.report_preview(job) if job.status != ImportJob.Status.UPLOADED else [],
        "touches": services.dry_run_touches(job) if job.status == ImportJob.Status.CHECKED else [],
        "rejections": list(job.rejections.order_by("row_number")[:20]),
        "stalled": services.is_stalled(job),
    }


@imports_role
@require_GET
def import_detail(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    return render(request, "imports/detail.html", _detail_context(job))


@imports_role
@require_POST
def import_dry_run(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    form = MappingForm(request.POST, header=job.header)
    if form.is_valid() and call_service(
        form,
        services.start_dry_run,
        job_id=job.pk,
        mapping=form.mapping(),
        campaign=form.campaign(),
        actor=request.user,
    ):
        return redirect("imports:detail", job_id=job.pk)
    return render(request, "imports/detail.html", _detail_context(job, form), status=422)


@imports_role
@require_POST
def import_run(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    call_service_or_message(request, services.start_import, job_id=job.pk, actor=request.user)
    return redirect("imports:detail", job_id=job.pk)


@imports_role
@require_POST
def import_discard(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    call_service_or_message(request, services.discard_import, job_id=job.pk, actor=request.user)
    return redirect("imports:detail", job_id=job.pk)


@imports_role
@require_GET
@vary_on_headers("HX-Request")
def import_progress(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """The progress partial; htmx polls it every second while the job is busy. When the job
    settles, the page reloads once to show the results and actions."""
    job = selectors.job_for(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    if request.htmx and not job.is_busy and request.GET.get("was") == "busy":
        return HttpResponseClientRefresh()
    return render(request, "imports/detail.html#import-progress", {"job": job})


def _csv_response(name: str, lines: Iterable[object]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@imports_role
@require_GET
def import_report(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """The dry run's row-by-row report (already neutralised against formulas when written)."""
    job = selectors.job_for(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    if not job.report:
        return HttpResponse("No dry-run report yet.", status=404, content_type="text/plain")
    # role_required is typed for HttpResponse; a streamed CSV is its sibling class.
    return _csv_response(f"import-{job.pk}-dry-run.csv", job.report.open("rb"))  # type: ignore[return-value]


@imports_role
@require_GET
def import_rejected(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """Every rejected row with its reason, then its cells as read."""
    job = selectors.job_for(user=request.user, job_id=job_id)  # type: ignore[arg-type]
    lines = stream_rows(services.rejected_header(job), services.rejected_rows(job))
    return _csv_response(f"import-{job.pk}-rejected.csv", lines)  # type: ignore[return-value]
