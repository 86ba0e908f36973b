"""Small tables that change by hand and are read on every intake (the scoring rules, the
buying-role keywords, the signed agreements, the intake keys), read once per process instead
of once per request, for as long as a version stamp in the shared cache says nothing changed.

A save or delete of one of the memo's models replaces its stamp once that transaction commits
(`core.stamps`), so every process reads the rows again on its next use. Until then the
transaction that made the change reads the database itself (it alone sees its change), and so
does every reader while the shared cache cannot answer. The stamp is read before the rows: a
change committed in between is loaded under the old stamp and loaded again under the new one,
never missed. Writes that send no signals (a QuerySet.update, raw SQL) are picked up after
MAX_AGE_SECONDS at the latest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models.signals import post_delete, post_save

from apps.core import stamps

T = TypeVar("T")
MAX_AGE_SECONDS = 30.0


class Memo(Generic[T]):
    """`load()`'s answer, kept while the stamp `memo:<name>` stays as it was read with it.
    The answer is shared by the process's threads: treat it as read-only."""

    def __init__(
        self, name: str, load: Callable[[], T], *, models: Sequence[type[models.Model]]
    ) -> None:
        self.key = f"memo:{name}"
        self._load = load
        self._held: tuple[str, float, T] | None = None  # (stamp, loaded at, answer)
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model, weak=False, dispatch_uid=self.key)

    def _changed(self, **kwargs: Any) -> None:
        stamps.bump_after_commit([self.key])

    def get(self) -> T:
        if stamps.pending(self.key):
            return self._load()
        stamp = stamps.current(self.key)
        held = self._held
        now = time.monotonic()
        if stamp is not None and held is not None:
            held_stamp, loaded_at, answer = held
            if held_stamp == stamp and now - loaded_at < MAX_AGE_SECONDS:
                return answer
        answer = self._load()
        if stamp is not None:
            self._held = (stamp, now, answer)
        return answer
