from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.users.views import ThrottledLoginView

urlpatterns = [
    # Sign-in and administration
    path("admin/", admin.site.urls),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Workspaces, by URL area
    path("sales/", include("apps.leads.urls")),
    path("marketing/plays/", include("apps.plays.urls")),
    path("marketing/feedback/", include("apps.feedback.urls")),
    path("marketing/", include("apps.campaigns.urls")),
    path("service/", include("apps.service.urls")),
    path("goals/", include("apps.goals.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("imports/", include("apps.imports.urls")),
    # API, public forms
    path("api/", include("revenue.api_urls")),
    path("f/", include("apps.leads.public_urls")),
    # Home (role landing) and /healthz
    path("", include("apps.core.urls")),
]
