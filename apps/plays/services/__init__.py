"""Plays: handoff.py attaches the best play to a routed lead; work.py is the rep's work on it
(an attempt ticks the matching step, callbacks, templated emails); authoring.py is how
Marketing, Sales managers and RevOps write plays."""

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
    refresh_next_action,
    switch_play,
)
from apps.plays.services.work import (
    MERGE_FIELDS,
    Attempt,
    complete_play_step,
    log_attempt,
    merge_values,
    render_template,
    send_step_email,
    split_email,
    unknown_merge_fields,
)

__all__ = [
    "MERGE_FIELDS",
    "PLAY_EDITORS",
    "Attempt",
    "PlaySpec",
    "StepSpec",
    "attach_play",
    "best_play",
    "complete_play_step",
    "create_play",
    "log_attempt",
    "merge_values",
    "refresh_next_action",
    "render_template",
    "send_step_email",
    "split_email",
    "unknown_merge_fields",
    "set_play_active",
    "switch_play",
    "update_play",
    "validate_steps",
]
