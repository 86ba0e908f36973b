"""CSV import: a messy file with exact results, dry run, resume after a kill, and bad files."""

from __future__ import annotations

import csv
import gc
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError

from apps.accounts.models import Account
from apps.core.bulk import BULK_THRESHOLD
from apps.imports import services
from apps.imports.models import ImportJob, ImportRejection
from apps.imports.services import reading, writing
from apps.leads.models import Lead, LeadEvent, LeadFacts, Touchpoint
from tests import factories

pytestmark = pytest.mark.django_db

MESSY = Path(__file__).with_name("messy_leads.csv")


def _job(path: Path, **mapping: str) -> ImportJob:
    job = services.create_import_job(actor=None, original_name=path.name, source_path=str(path))
    if mapping:
        job.mapping = {**job.mapping, **mapping}
        job.save()
    return job


def _import(job: ImportJob, chunk_size: int = 1000) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED)
    services.start_import(job_id=job.pk, actor=None)
    return services.run_import(job_id=job.pk, chunk_size=chunk_size)


@pytest.fixture
def known(db):  # type: ignore[no-untyped-def]
    return factories.LeadFactory(
        email="known@initech.example", first_name="Kim", last_name="", title="", account=None
    )


def test_guessed_mapping_finds_the_columns() -> None:
    header = ["Email", "First Name", "Last Name", "Company", "Title", "Country", "Phone"]
    assert services.guess_mapping(header) == {
        "email": "Email",
        "first_name": "First Name",
        "last_name": "Last Name",
        "title": "Title",
        "phone": "Phone",
        "company_name": "Company",
        "country": "Country",
    }


def test_dry_run_reports_each_row_and_changes_nothing(known):  # type: ignore[no-untyped-def]
    job = _job(MESSY)
    lines = [(x.row, x.action, x.detail) for x in services.dry_run_lines(job, chunk_size=2)]
    assert lines == [
        (2, "create", ""),
        (3, "merge", "with row 2"),
        (4, "create", ""),
        (5, "merge", f"into lead {known.pk}"),
        (6, "reject", "email: not a valid address"),
        (7, "reject", "email: blank"),
        (8, "reject", "country: use a two-letter ISO code"),
        (9, "create", ""),
        (10, "merge", "with row 4"),
    ]
    assert Lead.objects.count() == 1
    assert Account.objects.count() == 0


def test_the_dry_run_keeps_the_collector_out_of_its_way_and_gives_it_back(known):  # type: ignore[no-untyped-def]
    # given
    before = gc.get_threshold()
    job = _job(MESSY)

    # when: read to the end, and abandoned after its first row
    lines = services.dry_run_lines(job, chunk_size=2)
    next(lines)
    during = gc.get_threshold()
    rest = list(lines)
    after_all = gc.get_threshold()
    abandoned = services.dry_run_lines(job, chunk_size=2)
    next(abandoned)
    abandoned.close()

    # then: the youngest generation is collected rarely while rows are planned, and the
    # process has its own thresholds back however the reading ends
    assert during[0] == max(before[0], BULK_THRESHOLD)
    assert len(rest) == 8
    assert after_all == before
    assert gc.get_threshold() == before


@pytest.mark.parametrize("chunk_size", [1000, 2])
def test_messy_file_imports_with_exact_results(known, chunk_size):  # type: ignore[no-untyped-def]
    # when
    job = _import(_job(MESSY), chunk_size=chunk_size)
    # then
    assert (job.status, job.rows_done) == (ImportJob.Status.DONE, 9)
    assert (job.created_count, job.merged_count, job.rejected_count) == (3, 3, 3)
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "ana@northwind.example",
        "bob@gmail.com",
        "carl@northwind.example",
        "known@initech.example",
    ]
    ana = Lead.objects.get(email="ana@northwind.example")
    assert (ana.first_name, ana.title, ana.phone) == ("Ana", "VP Sales", "+49 30 1234")
    assert ana.account.domain == "northwind.example"
    bob = Lead.objects.get(email="bob@gmail.com")
    assert (bob.first_name, bob.last_name, bob.account_id) == ("Bob", "Builder", None)
    merged = Lead.objects.get(pk=known.pk)
    assert (merged.first_name, merged.last_name, merged.title) == ("Kim", "Known", "CFO")
    assert merged.account.domain == "initech.example"
    carl = Lead.objects.get(email="carl@northwind.example")
    assert (carl.country, carl.account_id, carl.source) == ("US", ana.account_id, "import")
    assert sorted(Account.objects.values_list("domain", flat=True)) == [
        "initech.example",
        "northwind.example",
    ]
    # and every lead's facts carry its account, the merged one's matched here included
    assert dict(LeadFacts.objects.values_list("lead__email", "account_id")) == {
        "ana@northwind.example": ana.account_id,
        "bob@gmail.com": None,
        "carl@northwind.example": ana.account_id,
        "known@initech.example": merged.account_id,
    }
    assert Touchpoint.objects.count() == 6
    assert LeadEvent.objects.filter(kind="created").count() == 3
    assert LeadEvent.objects.filter(kind="touchpoint").count() == 6
    assert list(ImportRejection.objects.values_list("row_number", "reason")) == [
        (6, "email: not a valid address"),
        (7, "email: blank"),
        (8, "country: use a two-letter ISO code"),
    ]


def test_import_scores_and_qualifies_like_intake(  # type: ignore[no-untyped-def]
    agreement, policy, pool, tmp_path, django_capture_on_commit_callbacks
):
    factories.ScoringRuleFactory(value="vp", points=70)
    path = tmp_path / "hot.csv"
    path.write_text("email,title\nvera@acme.example,VP Sales\nlow@acme.example,Intern\n")
    with django_capture_on_commit_callbacks(execute=True):
        _import(_job(path))
    vera = Lead.objects.get(email="vera@acme.example")
    assert vera.score >= 60
    assert vera.status in ("ready", "working")
    assert vera.owner_id is not None  # routed after commit, as any intake
    assert LeadEvent.objects.filter(lead=vera, kind="status", new_value="ready").exists()
    assert Lead.objects.get(email="low@acme.example").status == "nurture"


def test_import_resumes_after_a_killed_chunk_without_duplicates(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    # given 25 rows imported in chunks of 10, and a worker that dies during the second chunk
    path = tmp_path / "many.csv"
    path.write_text("email\n" + "".join(f"p{i}@acme{i % 3}.example\n" for i in range(25)))
    job = _job(path)
    real = writing._import_chunk
    calls = {"n": 0}

    def dies_on_second_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, "_import_chunk", dies_on_second_chunk)
    with pytest.raises(SystemExit):
        _import(job, chunk_size=10)
    assert ImportJob.objects.get(pk=job.pk).rows_done == 10
    assert Lead.objects.count() == 10
    # when the task is delivered again (the job is still "running")
    job = services.run_import(job_id=job.pk, chunk_size=10)
    # then every row is there exactly once
    assert (job.status, job.rows_done, job.created_count) == ("done", 25, 25)
    assert Lead.objects.count() == 25
    assert Touchpoint.objects.count() == 25
    assert LeadEvent.objects.filter(kind="created").count() == 25


def test_a_failed_import_can_be_resumed(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "few.csv"
    path.write_text("email\n" + "".join(f"q{i}@acme.example\n" for i in range(5)))
    job = _job(path)
    real = writing._import_chunk
    monkeypatch.setattr(writing, "_import_chunk", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        _import(job, chunk_size=2)
    assert ImportJob.objects.get(pk=job.pk).status == "failed"
    monkeypatch.setattr(writing, "_import_chunk", real)
    services.start_import(job_id=job.pk, actor=None)
    assert services.run_import(job_id=job.pk, chunk_size=2).rows_done == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # 0x81 is neither UTF-8 nor a Windows-1252 character
        (b"email,name\nr\x81@acme.example,R\x81\n", "not text"),
        (b"name,company\nAna,Acme\n", "No email column"),
        (("email," + ",".join(f"c{i}" for i in range(10_000)) + "\n").encode(), "10,001 columns"),
        (b"", "empty"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, content, message):  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_bytes(content)

    def upload_and_map() -> None:
        job = _job(path)
        services.validate_mapping(job.mapping, job.header)

    with pytest.raises(services.ImportFileError, match=message):
        upload_and_map()


def test_a_100_mb_line_is_refused_without_reading_it_whole(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.write(b"email,note\na@acme.example,")
        block = b"x" * (1024 * 1024)
        for _ in range(100):
            out.write(block)
        out.write(b"\n")
    with pytest.raises(services.ImportFileError, match="longer than 64 KB"):
        _job(path)


def test_bad_encoding_late_in_the_file_stops_the_import_keeping_committed_rows(tmp_path):  # type: ignore[no-untyped-def]
    # given: a UTF-8 file whose first 64 KB (what the format is found from) are clean, and a
    # Latin-1 byte on row 5,001
    path = tmp_path / "late.csv"
    rows = "".join(f"r{i:05d}@acme.example\n" for i in range(5000)).encode()
    assert len(rows) > reading.SNIFF_BYTES
    path.write_bytes(b"email\n" + rows + "bad\xe9@acme.example\n".encode("latin-1"))
    job = _job(path)
    assert job.encoding == "utf-8"
    # when
    job = _import(job, chunk_size=500)
    # then
    assert job.status == "failed"
    assert "not UTF-8" in job.error
    # the chunks read before the bad byte are committed (the decoder reads ahead a little)
    assert job.rows_done in (4500, 5000)
    assert Lead.objects.count() == job.rows_done


def test_command_dry_run_and_import(known):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("import_leads", str(MESSY), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "row 6: reject not-an-email (email: not a valid address)" in text
    assert "3 to create, 3 to merge, 3 to reject" in text
    assert Lead.objects.count() == 1
    out = io.StringIO()
    call_command(
        "import_leads", str(MESSY), "--mapping", "email=Email", stdout=out, stderr=io.StringIO()
    )
    assert "created 3, merged 3, rejected 3" in out.getvalue()
    assert Lead.objects.count() == 4


def test_import_then_export_round_trips(tmp_path, manager):  # type: ignore[no-untyped-def]
    _import(_job(MESSY))
    exported = tmp_path / "export.csv"
    call_command("export_leads", "--output", str(exported))
    again = _job(exported)
    assert again.mapping["email"] == "email"
    assert again.mapping["company_name"] == "company_name"
    job = _import(again)
    assert (job.created_count, job.merged_count, job.rejected_count) == (0, 4, 0)
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert {r["email"] for r in rows} == set(Lead.objects.values_list("email", flat=True))
    carl = next(r for r in rows if r["email"] == "carl@northwind.example")
    assert carl["title"] == "'=HYPERLINK(1)"


# --- The pages ----------------------------------------------------------------------------------


def test_import_pages_upload_map_dry_run_import_and_report(  # type: ignore[no-untyped-def]
    revops_client, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("messy.csv", MESSY.read_bytes(), content_type="text/csv")
    response = revops_client.post("/imports/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert revops_client.get(response.url).status_code == 200
    mapping = {"email": "Email", "first_name": "First Name", "country": "Country", "phone": "Phone"}
    with django_capture_on_commit_callbacks(execute=True):
        assert revops_client.post(f"/imports/{job.pk}/dry-run/", mapping).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.check_created, job.check_merged, job.check_rejected) == (
        "checked",
        4,
        2,
        3,
    )
    page = revops_client.get(f"/imports/{job.pk}/")
    assert b"would be created" in page.content
    report = b"".join(revops_client.get(f"/imports/{job.pk}/report.csv").streaming_content)
    assert b"6,not-an-email,reject,email: not a valid address" in report
    with django_capture_on_commit_callbacks(execute=True):
        assert revops_client.post(f"/imports/{job.pk}/run/").status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_count) == ("done", 4, 3)
    progress = revops_client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress.status_code == 200
    assert b"<progress" in progress.content
    rejected = b"".join(revops_client.get(f"/imports/{job.pk}/rejected.csv").streaming_content)
    lines = rejected.decode().splitlines()
    assert lines[0].startswith("row,email,reason,Email,First Name")
    assert len(lines) == 4
    assert "email: blank" in rejected.decode()


def test_progress_partial_polls_while_busy(revops_client, revops):  # type: ignore[no-untyped-def]
    job = _job(MESSY)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", created_by=revops, checked_rows=9, rows_done=3
    )
    response = revops_client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in response.content
    assert b'value="33"' in response.content


def test_bad_upload_is_a_form_error(marketing_client):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("x.csv", b"email\nr\x81@x.example\n")
    response = marketing_client.post("/imports/", {"file": upload})
    assert response.status_code == 422
    assert b"not text" in response.content
    assert not ImportJob.objects.exists()


def test_sales_and_service_cannot_import(sales_client, service_client):  # type: ignore[no-untyped-def]
    assert sales_client.get("/imports/").status_code == 403
    assert service_client.get("/imports/").status_code == 403


def test_a_run_matches_each_domain_once_across_its_chunks(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    # given: 25 rows at three companies (and one free-mail address), imported in chunks of 10
    path = tmp_path / "companies.csv"
    path.write_text(
        "email,company\n"
        + "".join(f"p{i}@acme{i % 3}.example,Acme {i % 3}\n" for i in range(24))
        + "solo@gmail.com,\n"
    )
    asked: list[str] = []
    real = writing.match_accounts

    def spy(*, rows):  # type: ignore[no-untyped-def]
        rows = list(rows)
        asked.extend(email.split("@")[1] for email, _, _ in rows)
        return real(rows=rows)

    monkeypatch.setattr(writing, "match_accounts", spy)

    # when
    job = _import(_job(path), chunk_size=10)

    # then: the first chunk matched the three companies; the later chunks asked for none of
    # them again (only the free-mail domain, first seen in the last chunk), and every person
    # still belongs to their company's one account
    assert (job.status, job.created_count) == ("done", 25)
    assert sorted(set(asked)) == ["acme0.example", "acme1.example", "acme2.example", "gmail.com"]
    assert len([domain for domain in asked if domain.startswith("acme")]) == 10
    assert Account.objects.count() == 3
    for lead in Lead.objects.select_related("account"):
        expected = None if lead.email.endswith("gmail.com") else lead.email.split("@")[1]
        assert (lead.account.domain if lead.account else None) == expected


def test_a_chunk_redone_after_a_conflict_does_not_reuse_the_accounts_it_rolled_back(  # type: ignore[no-untyped-def]
    monkeypatch, tmp_path
):
    # given: a second chunk that names a new company and is refused once (a concurrent intake
    # took one of its emails), after it had created that company's account
    path = tmp_path / "two.csv"
    path.write_text(
        "email\n"
        + "".join(f"a{i}@first.example\n" for i in range(3))
        + "".join(f"b{i}@second.example\n" for i in range(3))
    )
    real = writing.insert_objects
    calls = {"n": 0}

    def refused_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, "insert_objects", refused_once)

    # when
    job = _import(_job(path), chunk_size=3)

    # then: the redone chunk created the account again and its people point at it
    assert (job.status, job.created_count) == ("done", 6)
    second = Account.objects.get(domain="second.example")
    assert set(Lead.objects.filter(email__startswith="b").values_list("account", flat=True)) == {
        second.pk
    }
    assert Account.objects.count() == 2


def test_a_run_forgets_its_domains_rather_than_grow_past_its_limit(monkeypatch):  # type: ignore[no-untyped-def]
    # given: a run that may remember three domains, and remembers two
    monkeypatch.setattr(writing, "KNOWN_DOMAINS_MAX", 3)
    ctx = writing._Context(job=None, actor=None, agreement=None, scoring_rules=[], role_rules=[])  # type: ignore[arg-type]
    ctx.remember_accounts({"a.example": None, "b.example": None})

    # when: a chunk matched two more
    ctx.remember_accounts({"c.example": None, "d.example": None})

    # then: it keeps only the latest chunk's, never more than the limit
    assert set(ctx.accounts) == {"c.example", "d.example"}
