from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from apps.campaigns.models import Campaign
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
        label="CSV file (the first line names the columns)",
        help_text="Separated by commas, semicolons, tabs or pipes; UTF-8 or Windows-1252, as Excel saves it.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,text/csv,text/tab-separated-values,.tsv,.txt"}
        ),
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
    """One select per lead field and touch column, offering the file's columns, and the
    campaign every row without its own is a touch of."""

    TAG = "tag_campaign"

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— not imported —"), *[(name, name) for name in header]]
        for name in FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name == "email"
            )
        self.fields[self.TAG] = forms.ModelChoiceField(
            label="Tag the rows with a campaign (rows naming no campaign or asset)",
            queryset=Campaign.objects.order_by("name"),
            required=False,
            empty_label="— no campaign —",
        )

    def mapping(self) -> dict[str, str]:
        return {
            name: value for name, value in self.cleaned_data.items() if value and name != self.TAG
        }

    def campaign(self) -> Campaign | None:
        campaign: Campaign | None = self.cleaned_data.get(self.TAG)
        return campaign
