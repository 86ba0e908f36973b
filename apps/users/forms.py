"""The user's own settings."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms

from apps.users.models import DisqualificationAlerts, Role, User
from apps.users.roles import has_role


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone people live in (Area/City), by name."""
    names = sorted(
        zone
        for zone in zoneinfo.available_timezones()
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    )
    return [("UTC", "UTC"), *[(name, name.replace("_", " ")) for name in names]]


class ProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Every time in Revenue Desk is shown in this zone, with its name.",
    )

    disqualification_alerts = forms.ChoiceField(
        label="New disqualifications",
        choices=DisqualificationAlerts.choices,
        widget=forms.RadioSelect,
        help_text="How you hear that sales disqualified a lead (in the app and by email).",
    )

    class Meta:
        model = User
        fields = ["time_zone", "disqualification_alerts"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_role(self.instance, Role.MARKETING):
            del self.fields["disqualification_alerts"]  # only marketing reviews them
