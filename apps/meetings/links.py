"""Signed links a buyer holds instead of a session: the booking link (the hand-raise it books
for: lead, form, when) and the link to their meeting (reschedule, cancel, the invitation).
Tampered or expired links are refused with a clear message (BadLink)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from apps.core.errors import InvalidTransition

BOOK_SALT = "meetings.book"
MEETING_SALT = "meetings.meeting"
BOOK_LINK_AGE = timedelta(days=7)  # a hand-raise books within a week, or sales calls them
MEETING_LINK_AGE = timedelta(days=120)


class BadLink(InvalidTransition):
    """A link that is not ours, was changed, or has expired."""


@dataclass(frozen=True)
class BookingClaim:
    """What a booking link stands for: this lead's hand-raise on this form at this time."""

    lead_id: int
    asset_id: int | None
    raised_at: datetime


def booking_token(*, lead_id: int, asset_id: int | None, raised_at: datetime) -> str:
    payload = {"l": lead_id, "a": asset_id, "r": int(raised_at.timestamp())}
    return signing.dumps(payload, salt=BOOK_SALT, compress=True)


def read_booking_token(token: str) -> BookingClaim:
    try:
        data = signing.loads(token, salt=BOOK_SALT, max_age=BOOK_LINK_AGE)
        return BookingClaim(
            lead_id=int(data["l"]),
            asset_id=int(data["a"]) if data.get("a") is not None else None,
            raised_at=datetime.fromtimestamp(int(data["r"]), tz=UTC),
        )
    except signing.SignatureExpired as error:
        raise BadLink(
            "This booking link has expired: we will contact you, or submit the form again.",
            field="link",
        ) from error
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise BadLink("This booking link is not valid.", field="link") from error


def meeting_token(uid: str) -> str:
    return signing.dumps({"m": uid}, salt=MEETING_SALT, compress=True)


def read_meeting_token(token: str) -> str:
    """The meeting's UID."""
    try:
        return str(signing.loads(token, salt=MEETING_SALT, max_age=MEETING_LINK_AGE)["m"])
    except signing.SignatureExpired as error:
        raise BadLink("This meeting link has expired.", field="link") from error
    except (signing.BadSignature, KeyError, TypeError) as error:
        raise BadLink("This meeting link is not valid.", field="link") from error


def booking_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("booking:book", args=[token])


def meeting_url(uid: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("booking:meeting", args=[meeting_token(uid)])
