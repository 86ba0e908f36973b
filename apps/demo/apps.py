from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`seed_demo`: deterministic demo data at any size. Tooling: nothing imports it."""

    name = "apps.demo"
    label = "demo"
