from django.apps import AppConfig


class PlaysConfig(AppConfig):
    name = "apps.plays"
    label = "plays"
