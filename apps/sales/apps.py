from django.apps import AppConfig


class SalesConfig(AppConfig):
    """The sales workspace: the rep's queue, the lead page and its actions, the team, the
    pipeline, and the lead API. It composes the rule apps below and owns no records."""

    name = "apps.sales"
    label = "sales"
