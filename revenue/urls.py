from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    # Sign-in and administration
    path("admin/", admin.site.urls),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="auth/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Workspaces, by URL area
    path("sales/", include("apps.leads.urls")),
    path("marketing/", include("apps.campaigns.urls")),
    path("service/", include("apps.service.urls")),
    path("goals/", include("apps.goals.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("notifications/", include("apps.notifications.urls")),
    # API, public forms
    path("api/", include("revenue.api_urls")),
    path("f/", include("apps.leads.public_urls")),
    # Home (role landing) and /healthz
    path("", include("apps.core.urls")),
]
