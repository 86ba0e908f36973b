from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel


class ImportJob(TimeStampedModel):
    """One CSV file of leads: its column mapping, dry-run counts and committed progress.

    Progress (`rows_done` and the counts) is written in the same transaction as each chunk of
    leads, so a killed import resumes after the last committed chunk and never repeats a row.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded: map the columns"
        CHECKING = "checking", "Dry run in progress"
        CHECKED = "checked", "Dry run done: ready to import"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped with an error"
        DISCARDED = "discarded", "Discarded"

    class Delimiter(models.TextChoices):
        COMMA = ",", "comma"
        SEMICOLON = ";", "semicolon"
        TAB = "\t", "tab"
        PIPE = "|", "pipe"

    class Encoding(models.TextChoices):
        UTF8 = "utf-8", "UTF-8"
        CP1252 = "cp1252", "Windows-1252 (Western European)"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for imports started from the command line.",
        db_index=False,  # import_owner_idx leads with it
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    source_path = models.CharField(
        max_length=1000, blank=True, help_text="A server path, for command-line imports."
    )
    original_name = models.CharField(max_length=255)
    size_bytes = models.PositiveBigIntegerField(default=0)
    header = models.JSONField(default=list, blank=True)
    delimiter = models.CharField(
        max_length=1,
        choices=Delimiter.choices,
        default=Delimiter.COMMA,
        help_text="The column separator, found in the file when it was uploaded.",
    )
    encoding = models.CharField(
        max_length=10,
        choices=Encoding.choices,
        default=Encoding.UTF8,
        help_text="UTF-8 (a byte-order mark is skipped), else Windows-1252, as Excel saves CSV.",
    )
    mapping = models.JSONField(default=dict, blank=True, help_text="Lead field → CSV column.")
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Rows without a campaign of their own are touches of this campaign.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    error = models.TextField(blank=True)
    checked_rows = models.PositiveBigIntegerField(default=0)
    check_created = models.PositiveBigIntegerField(default=0)
    check_merged = models.PositiveBigIntegerField(default=0)
    check_rejected = models.PositiveBigIntegerField(default=0)
    report = models.FileField(upload_to="imports/reports/", blank=True)
    rows_done = models.PositiveBigIntegerField(
        default=0, help_text="Data rows committed; a resumed import skips this many."
    )
    created_count = models.PositiveBigIntegerField(default=0)
    merged_count = models.PositiveBigIntegerField(default=0)
    rejected_count = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "uploaded",
                        "checking",
                        "checked",
                        "queued",
                        "running",
                        "done",
                        "failed",
                        "discarded",
                    ]
                ),
                name="import_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(delimiter__in=[",", ";", "\t", "|"]), name="import_delimiter_valid"
            ),
            models.CheckConstraint(
                condition=Q(encoding__in=["utf-8", "cp1252"]), name="import_encoding_valid"
            ),
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(source_path=""), name="import_has_source"
            ),
        ]
        indexes = [models.Index(fields=["created_by", "created_at"], name="import_owner_idx")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def importable_rows(self) -> int:
        """Rows the dry run would create or merge: what an import would bring in."""
        return self.check_created + self.check_merged

    @property
    def status_text(self) -> str:
        """The status in words, saying so when a dry run found nothing it could import."""
        if self.status == self.Status.CHECKED and not self.importable_rows:
            return "Dry run done: nothing to import"
        return str(self.get_status_display())

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        total = self.checked_rows
        done = self.rows_done if self.status != self.Status.CHECKING else 0
        if self.status in (self.Status.DONE,):
            return 100
        if not total:
            return 0
        return min(100, round(done * 100 / total))


class ImportRejection(models.Model):
    """A row the import refused, with the reason; written with its chunk (so never twice)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveBigIntegerField(help_text="Line of the data row (header is 1).")
    email = models.CharField(max_length=254, blank=True)
    reason = models.CharField(max_length=300)
    values = models.JSONField(default=list, blank=True, help_text="The row's cells, as read.")

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "row_number"], name="import_rejection_row_unique"
            )
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"
