"""The import page refuses an upload over the size cap with a clear error, reading nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.imports.forms import UploadForm
from apps.imports.models import ImportJob

pytestmark = pytest.mark.django_db


def test_an_upload_over_the_cap_is_refused_before_it_is_read(
    marketing_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("leads.csv", b"email\n" + b"a@b.example\n" * 200, "text/csv")
    response = marketing_client.post("/imports/", {"file": big})
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_upload_form_refuses_a_file_over_the_cap(settings) -> None:  # type: ignore[no-untyped-def]
    # whatever Content-Length a client claimed, the file's own size is checked too
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("leads.csv", b"email\n" + b"a@b.example\n" * 200, "text/csv")
    form = UploadForm(data={}, files={"file": big})
    assert not form.is_valid()
    assert "larger than" in form.errors["file"][0]
