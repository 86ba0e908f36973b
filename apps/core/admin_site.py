"""The admin for RevOps. This module is loaded with INSTALLED_APPS, so it imports no models at
the top."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class RevenueAdminSite(AdminSite):
    """The RevOps role opens the admin (staff flag or not); each model still checks the group's
    permissions."""

    site_header = "Revenue Desk administration"
    site_title = "Revenue Desk admin"
    index_title = "RevOps configuration"

    def has_permission(self, request: HttpRequest) -> bool:
        from apps.users.models import Role
        from apps.users.roles import has_role

        user = request.user
        return bool(user.is_active and (user.is_staff or has_role(user, Role.REVOPS)))


class RevenueAdminConfig(AdminConfig):
    default_site = "apps.core.admin_site.RevenueAdminSite"
