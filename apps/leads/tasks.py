"""One-line task wrappers for the leads app (beat folds the cohort's cells)."""

from celery import shared_task

from apps.leads import cells


@shared_task(name="leads.fold_cohort_cells", ignore_result=True)
def fold_cohort_cells_task() -> int:
    """Idempotent: a second fold finds nothing to merge. A lost run is made up by the next."""
    return cells.fold_cohort_cells()
