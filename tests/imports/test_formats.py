"""Files as spreadsheet programs save them: the separator and the encoding are found from the
file, a dry run that can import nothing says so and cannot be imported, a job can be discarded,
and an import can be tagged with a campaign."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from apps.core.errors import InvalidTransition
from apps.imports import services
from apps.imports.models import ImportJob
from apps.leads.models import Lead, LeadFacts, Touchpoint
from tests import factories

pytestmark = pytest.mark.django_db

ROWS = [
    ("jurgen@acme.example", "Jürgen", "Société Générale"),
    ("ana@globex.example", "Ana, María", "Globex; Iberia"),
    ("zoe@initech.example", "Zoë", "Initech"),
]


def _text(delimiter: str) -> str:
    """The three rows with a header, each cell quoted where the separator needs it."""
    lines = []
    for cells in [("Email", "First Name", "Company"), *ROWS]:
        quoted = [f'"{cell}"' if delimiter in cell or "," in cell else cell for cell in cells]
        lines.append(delimiter.join(quoted))
    return "\r\n".join(lines) + "\r\n"


# (what saved it, its bytes, the separator and encoding the import must find)
FILES = [
    ("comma, UTF-8 (LibreOffice, Google Sheets)", _text(",").encode(), ",", "utf-8"),
    ("comma, UTF-8 with BOM (Excel 'CSV UTF-8')", b"\xef\xbb\xbf" + _text(",").encode(), ",", "utf-8"),
    ("semicolon, UTF-8 with BOM (Excel 'CSV UTF-8', German locale)", b"\xef\xbb\xbf" + _text(";").encode(), ";", "utf-8"),
    ("semicolon, Windows-1252 (Excel 'CSV', French locale)", _text(";").encode("cp1252"), ";", "cp1252"),
    ("comma, Windows-1252 (Excel 'CSV', US locale)", _text(",").encode("cp1252"), ",", "cp1252"),
    ("tab, UTF-8 (Excel 'Unicode text' saved as UTF-8)", _text("\t").encode(), "\t", "utf-8"),
    ("pipe, UTF-8 (a database dump)", _text("|").encode(), "|", "utf-8"),
]  # fmt: skip


def _job(tmp_path: Path, content: bytes, **fields: object) -> ImportJob:
    path = tmp_path / "leads.csv"
    path.write_bytes(content)
    job = services.create_import_job(actor=None, original_name=path.name, source_path=str(path))
    if fields:
        ImportJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def _checked(job: ImportJob) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    return services.dry_run_import(job_id=job.pk)


def _imported(job: ImportJob) -> ImportJob:
    services.start_import(job_id=job.pk, actor=None)
    return services.run_import(job_id=job.pk)


@pytest.mark.parametrize(("saved_by", "content", "delimiter", "encoding"), FILES)
def test_the_separator_and_encoding_are_found_and_every_row_imports_intact(  # type: ignore[no-untyped-def]
    tmp_path, saved_by: str, content: bytes, delimiter: str, encoding: str
):
    # when
    job = _job(tmp_path, content)
    # then: the format, and the header without a byte-order mark
    assert (job.delimiter, job.encoding) == (delimiter, encoding), saved_by
    assert job.header == ["Email", "First Name", "Company"]
    assert job.mapping["email"] == "Email"
    job = _checked(job)
    assert (job.checked_rows, job.check_created, job.check_rejected) == (3, 3, 0)
    job = _imported(job)
    assert (job.status, job.created_count) == ("done", 3)
    # accents, commas and semicolons inside cells survive
    names = dict(Lead.objects.values_list("email", "first_name"))
    assert names == {email: name for email, name, _ in ROWS}


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        # one column: nothing splits the header, so a comma (the cells hold no separator)
        (b"email\r\na@acme.example\r\nb@acme.example\r\n", ","),
        # commas inside every cell of a semicolon file: the header decides
        (b"Email;Name\r\na@acme.example;Doe, Jane\r\n", ";"),
        # semicolons inside quoted cells of a comma file
        (b'Email,Note\r\na@acme.example,"x;y;z"\r\nb@acme.example,"1;2"\r\n', ","),
        # a cell running over two lines, in quotes
        (b'Email;Note\r\na@acme.example;"line one\r\nline two"\r\n', ";"),
    ],
)
def test_the_separator_is_the_one_that_splits_header_and_rows_alike(  # type: ignore[no-untyped-def]
    tmp_path, content: bytes, delimiter: str
):
    job = _job(tmp_path, content)
    assert job.delimiter == delimiter
    assert _checked(job).check_rejected == 0


def test_a_windows_1252_file_says_it_was_read_so_on_the_page(  # type: ignore[no-untyped-def]
    tmp_path, revops_client: Client
):
    # given
    job = _job(tmp_path, _text(";").encode("cp1252"))
    # when
    html = revops_client.get(f"/imports/{job.pk}/").content.decode()
    # then
    assert "columns separated by semicolon" in html
    assert "Windows-1252" in html
    assert "is not UTF-8, so it was read as Windows-1252" in html
    # a UTF-8 file has no such warning
    utf8 = _job(tmp_path, _text(",").encode())
    assert "is not UTF-8" not in revops_client.get(f"/imports/{utf8.pk}/").content.decode()


def test_a_semicolon_file_uploaded_on_the_page_is_read_with_its_own_separator(  # type: ignore[no-untyped-def]
    marketing_client: Client,
):
    upload = SimpleUploadedFile("export.csv", b"\xef\xbb\xbf" + _text(";").encode())
    response = marketing_client.post("/imports/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.delimiter, job.header) == (";", ["Email", "First Name", "Company"])


def test_a_dry_run_that_rejects_every_row_says_so_and_cannot_be_imported(  # type: ignore[no-untyped-def]
    tmp_path, revops_client: Client
):
    # given: the email field mapped to the company column, so every row is rejected
    job = _job(tmp_path, _text(",").encode())
    job.mapping = {**job.mapping, "email": "Company"}
    job.save()
    job = _checked(job)
    assert (job.checked_rows, job.check_rejected) == (3, 3)
    # when
    html = revops_client.get(f"/imports/{job.pk}/").content.decode()
    # then: the page says it, the status does not promise an import and the button is off
    assert "0 of 3 rows can be imported" in html
    assert job.status_text == "Dry run done: nothing to import"
    assert "ready to import" not in html
    assert 'disabled aria-describedby="nothing-to-import">Import 0 of 3 rows' in html
    # and the rule holds without the page
    with pytest.raises(InvalidTransition, match="rejected all 3 rows"):
        services.start_import(job_id=job.pk, actor=None)
    response = revops_client.post(f"/imports/{job.pk}/run/", follow=True)
    assert "rejected all 3 rows" in response.content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == "checked"
    assert not Lead.objects.exists()


def test_a_job_can_be_discarded_and_then_nothing_runs_it(  # type: ignore[no-untyped-def]
    tmp_path, revops_client: Client
):
    # given: a checked job
    job = _checked(_job(tmp_path, _text(",").encode()))
    assert "Discard this import" in revops_client.get(f"/imports/{job.pk}/").content.decode()
    # when
    response = revops_client.post(f"/imports/{job.pk}/discard/")
    # then
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.status_text) == ("discarded", "Discarded")
    assert job.finished_at is not None
    html = revops_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Discard this import" not in html
    assert "Dry run: show what would happen" not in html
    with pytest.raises(InvalidTransition):
        services.start_import(job_id=job.pk, actor=None)
    with pytest.raises(InvalidTransition):
        services.start_dry_run(job_id=job.pk, mapping=job.mapping, actor=None)
    # discarding twice is harmless; the list shows it as discarded
    assert services.discard_import(job_id=job.pk, actor=None).status == "discarded"
    assert "Discarded" in revops_client.get("/imports/").content.decode()
    assert not Lead.objects.exists()


def test_a_running_import_cannot_be_discarded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    job = _job(tmp_path, _text(",").encode(), status=ImportJob.Status.RUNNING)
    with pytest.raises(InvalidTransition, match="not running"):
        services.discard_import(job_id=job.pk, actor=None)
    assert ImportJob.objects.get(pk=job.pk).status == "running"


def test_tagged_rows_become_touches_of_the_campaign_unless_they_name_their_own(  # type: ignore[no-untyped-def]
    tmp_path, revops_client: Client, django_capture_on_commit_callbacks
):
    # given: a trade-show list; one row names its own campaign, one an asset of a third
    show = factories.CampaignFactory(name="Trade show", slug="trade-show")
    webinar = factories.CampaignFactory(name="Webinar", slug="webinar")
    ebook = factories.AssetFactory(campaign=factories.CampaignFactory(name="Ebook"), slug="guide")
    content = (
        b"Email,Campaign,Asset\r\n"
        b"plain@acme.example,,\r\n"
        b"own@acme.example,webinar,\r\n"
        b"asset@acme.example,,guide\r\n"
    )
    job = _job(tmp_path, content)
    mapping = {"email": "Email", "campaign": "Campaign", "asset": "Asset"}
    # when: the dry run is asked for on the page with the tag
    with django_capture_on_commit_callbacks(execute=True):
        response = revops_client.post(
            f"/imports/{job.pk}/dry-run/", {**mapping, "tag_campaign": show.pk}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.campaign == show
    assert "rows naming no campaign or asset are touches of" in (
        revops_client.get(f"/imports/{job.pk}/").content.decode()
    )
    job = _imported(job)
    # then
    assert job.created_count == 3
    touch_campaigns = dict(Touchpoint.objects.values_list("lead__email", "campaign_id"))
    assert touch_campaigns == {
        "plain@acme.example": show.pk,
        "own@acme.example": webinar.pk,
        "asset@acme.example": ebook.campaign_id,
    }
    # the tag is the lead's source campaign, as every report reads it
    assert LeadFacts.objects.get(lead__email="plain@acme.example").source_campaign_id == show.pk


def test_the_command_tags_an_import_and_refuses_an_unknown_campaign(tmp_path) -> None:  # type: ignore[no-untyped-def]
    show = factories.CampaignFactory(slug="trade-show")
    path = tmp_path / "list.csv"
    path.write_bytes(_text(";").encode("cp1252"))
    err = io.StringIO()
    call_command(
        "import_leads", str(path), "--campaign", "trade-show", stdout=io.StringIO(), stderr=err
    )
    assert "Windows-1252" in err.getvalue()
    assert "semicolon" in err.getvalue()
    assert set(Touchpoint.objects.values_list("campaign_id", flat=True)) == {show.pk}
    assert Lead.objects.get(email="jurgen@acme.example").first_name == "Jürgen"
    with pytest.raises(CommandError, match="no campaign with slug 'nope'"):
        call_command(
            "import_leads",
            str(path),
            "--campaign",
            "nope",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
