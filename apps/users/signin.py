"""Password guessing, on every sign-in route (the page, the admin, the API token).

Three limits, each against a different attacker, none a way to lock a stranger out:
- django-axes locks one (username, client address) pair after AXES_FAILURE_LIMIT wrong
  passwords, for AXES_COOLOFF_TIME: guessing from one address stops; the real user, at
  another address, still signs in. Counted in the database (a Redis outage cannot switch it
  off).
- LOGIN_RATE_PER_IP: one address trying many usernames.
- LOGIN_RATE_PER_USER: one username tried from many addresses, counted only for devices that
  never signed in as that user. A successful sign-in leaves a signed device cookie, so the
  real user on a device they used before is never slowed down by someone else's guessing.
The client address is REMOTE_ADDR as apps.core.middleware.TrustedProxyMiddleware settled it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from apps.core.middleware import client_ip

logger = logging.getLogger("revenue.security")

DEVICE_COOKIE = "rd_device"
DEVICE_SALT = "revenue.signin.device"
DEVICE_MAX_AGE = 60 * 60 * 24 * 180
DEVICE_USERS = 5  # usernames one device remembers (a shared desk)
THROTTLED = "Too many sign-in attempts. Wait a few minutes, then try again."
LOCKED = (
    "Too many wrong passwords for this account from your address. "
    "Wait {minutes} minutes, or sign in from a device you used before."
)


def normalise_username(raw: object) -> str:
    return str(raw or "").strip().lower()[:150]


def axes_username(request: HttpRequest, credentials: Mapping[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: the username as typed, normalised (Sam and sam are one)."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalise_username(raw)


def _known_usernames(request: HttpRequest) -> list[str]:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if not value:
        return []
    try:
        names = signing.loads(value, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [str(name) for name in names] if isinstance(names, list) else []


def is_known_device(request: HttpRequest, username: str) -> bool:
    return normalise_username(username) in _known_usernames(request)


def remember_device(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a successful sign-in: this device may sign in as `username` unslowed."""
    name = normalise_username(username)
    names = [name, *(n for n in _known_usernames(request) if n != name)][:DEVICE_USERS]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(names, salt=DEVICE_SALT),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def sign_in_refusal(request: HttpRequest, username: str, *, per_ip_rate: str) -> str | None:
    """Why this attempt is refused before its password is checked, or None. Counts it."""
    name = normalise_username(username)
    by_ip = is_ratelimited(
        request,
        group="signin-ip",
        key=lambda _group, _request: client_ip(request) or "-",
        rate=per_ip_rate,
        increment=True,
    )
    by_user = False
    if not is_known_device(request, name):
        by_user = is_ratelimited(
            request,
            group="signin-user",
            key=lambda _group, _request: name or "-",
            rate=settings.LOGIN_RATE_PER_USER,
            increment=True,
        )
    if by_ip or by_user:
        logger.warning(
            "sign-in throttled (%s) for %r from %s",
            "address" if by_ip else "username",
            name,
            request.META.get("REMOTE_ADDR"),
        )
        return THROTTLED
    return None


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def locked_out_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After; JSON for the API, a page otherwise."""
    username = axes_username(request, credentials if isinstance(credentials, Mapping) else None)
    logger.warning("sign-in locked for %r from %s", username, request.META.get("REMOTE_ADDR"))
    message = LOCKED.format(minutes=max(1, cool_off_seconds() // 60))
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked"}, status=429)
    else:
        response = render(request, "auth/locked.html", {"message": message}, status=429)
    response["Retry-After"] = str(cool_off_seconds())
    return response
