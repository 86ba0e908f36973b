from django.apps import AppConfig


class AbmConfig(AppConfig):
    """Account-based view: the /accounts/ pages, where an account's buying group is seen as one
    (people and roles, the merged timeline, readiness, deals and renewals). Owns no records."""

    name = "apps.abm"
    label = "abm"
