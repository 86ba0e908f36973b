"""Loaded with INSTALLED_APPS, before any model: it names the admin site and imports nothing
of ours (apps.users.admin_site is imported once the apps are ready)."""

from django.contrib.admin.apps import AdminConfig


class RevenueAdminConfig(AdminConfig):
    default_site = "apps.users.admin_site.RevenueAdminSite"
