"""Plays: handoff.py attaches the best play to a routed lead and works its steps; authoring.py
is how Marketing, Sales managers and RevOps write plays."""

from apps.plays.services.authoring import (
    PLAY_EDITORS,
    PlaySpec,
    StepSpec,
    create_play,
    set_play_active,
    update_play,
    validate_steps,
)
from apps.plays.services.handoff import (
    attach_play,
    best_play,
    complete_play_step,
    switch_play,
)

__all__ = [
    "PLAY_EDITORS",
    "PlaySpec",
    "StepSpec",
    "attach_play",
    "best_play",
    "complete_play_step",
    "create_play",
    "set_play_active",
    "switch_play",
    "update_play",
    "validate_steps",
]
