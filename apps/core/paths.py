"""reverse() for the URLs a page draws hundreds of times with one primary key each (the
pipeline's cards, the queue's rows): the name is resolved once per script prefix, then each
path is the pk put between its two halves, about 1 µs instead of reverse()'s 35 (300 cards
on a full pipeline board name three such URLs each)."""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

# an id no table reaches, so it appears in the reversed path only where the argument goes
_MARK = "987654321987"


@lru_cache(maxsize=256)
def _halves(name: str, prefix: str) -> tuple[str, str] | None:
    path = reverse(name, args=[int(_MARK)])
    if path.count(_MARK) != 1:
        return None  # the mark also appears elsewhere: reverse() every time instead
    head, _, tail = path.partition(_MARK)
    return head, tail


def pk_path(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a URL whose one argument is an integer."""
    halves = _halves(name, get_script_prefix())
    if halves is None:
        return reverse(name, args=[pk])
    return f"{halves[0]}{int(pk)}{halves[1]}"
