"""Request-wide rules that hold on every route: who the client is behind a proxy, and that
signed-in answers are never cached."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger("revenue.security")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def trusted_proxies(configured: tuple[str, ...]) -> tuple[Network, ...]:
    """The TRUSTED_PROXIES setting as networks (addresses or CIDRs)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in configured)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(*, peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address: the peer itself, unless the peer is a trusted proxy; then the
    right-most X-Forwarded-For entry that is not a trusted proxy (entries further left were
    written by the client and prove nothing)."""
    if not networks or not forwarded_for or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a proxy we trust wrote garbage: do not guess
    return hops[0] if hops else peer


class TrustedProxyMiddleware:
    """REMOTE_ADDR becomes the client's address (see client_address), so every rate limit,
    lockout and log keys on one address a client cannot choose by sending X-Forwarded-For."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        networks = trusted_proxies(tuple(settings.TRUSTED_PROXIES))
        peer = request.META.get("REMOTE_ADDR", "")
        address = client_address(
            peer=peer, forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""), networks=networks
        )
        if address != peer:
            request.META["REVENUE_PROXY_ADDR"] = peer
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str:
    """The client address TrustedProxyMiddleware settled on (django-axes' AXES_CLIENT_IP_CALLABLE)."""
    return str(request.META.get("REMOTE_ADDR", ""))


class PrivateCacheMiddleware:
    """Pages for a signed-in user, every API answer and every export carry
    `Cache-Control: private, no-store`: no shared cache or browser history keeps them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or request.path.startswith("/api/"):
            patch_cache_control(response, private=True, no_store=True)
        return response
