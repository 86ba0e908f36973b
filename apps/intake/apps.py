from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """The channels that bring leads in: API key, signed webhook, the public form, idempotency."""

    name = "apps.intake"
    label = "intake"
