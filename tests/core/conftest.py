"""Fixtures for the core tests that talk to a live Redis."""

from __future__ import annotations

from typing import Any

import pytest
from redis.connection import AbstractConnection


@pytest.fixture
def redis_sent(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every packed command sent to Redis from now on, one entry per round trip (a pipeline's
    commands go out as one)."""
    sent: list[Any] = []
    send = AbstractConnection.send_packed_command

    def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent
