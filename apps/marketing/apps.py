from django.apps import AppConfig


class MarketingConfig(AppConfig):
    """The marketing workspace: campaigns and assets, the disqualification review loop, plays,
    performance and lead flow. It composes the rule apps and the metrics; it owns no records."""

    name = "apps.marketing"
    label = "marketing"
