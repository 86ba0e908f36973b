from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from apps.imports.services import FIELDS

FIELD_LABELS = {
    "email": "Email (required)",
    "first_name": "First name",
    "last_name": "Last name",
    "title": "Job title",
    "phone": "Phone",
    "company_name": "Company",
    "country": "Country (two-letter code)",
    "source": "Source",
    "campaign": "Campaign (slug)",
    "touch_kind": "Touch kind (what the buyer did, e.g. webinar)",
    "asset": "Asset (slug)",
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file (UTF-8, first line names the columns)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError("The file is empty.")
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


def too_large_message() -> str:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024)
    return f"The file is larger than {limit:g} MB; split it into smaller files."


class MappingForm(forms.Form):
    """One select per lead field and touch column, offering the file's columns."""

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— not imported —"), *[(name, name) for name in header]]
        for name in FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name == "email"
            )

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}
