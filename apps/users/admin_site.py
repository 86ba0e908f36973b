"""The admin for RevOps: the RevOps role opens it (staff flag or not); each model still checks
the group's permissions."""

from django.contrib.admin import AdminSite
from django.http import HttpRequest

from apps.users.models import Role
from apps.users.roles import has_role


class RevenueAdminSite(AdminSite):
    site_header = "Revenue Desk administration"
    site_title = "Revenue Desk admin"
    index_title = "RevOps configuration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff or has_role(user, Role.REVOPS)))
