"""Disqualification reasons describe their own rules to the rep."""

from __future__ import annotations

from apps.feedback.models import DisqualificationReason


def test_a_reason_states_all_its_rules_in_words() -> None:
    reason = DisqualificationReason(
        label="Unreachable",
        min_attempts=6,
        min_days=2,
        min_span_hours=24,
        min_channels=2,
        note_required=True,
    )

    assert reason.rules() == [
        "after 6 attempts",
        "on 2 different days",
        "over at least 24 h",
        "on 2 channels",
        "note required",
    ]
    assert DisqualificationReason(label="Spam").rules() == []
