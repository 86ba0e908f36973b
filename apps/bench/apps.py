from django.apps import AppConfig


class BenchConfig(AppConfig):
    """`bench`: throughput, latency, page timings and query plans. Tooling: nothing imports it."""

    name = "apps.bench"
    label = "bench"
