from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.core import views as core_views
from apps.marketing.urls import feedback_patterns, play_patterns
from apps.users import views as user_views

urlpatterns = [
    # Sign-in and administration
    path("admin/", admin.site.urls),
    path("login/", user_views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", user_views.profile, name="profile"),
    # Workspaces, by URL area
    path("sales/", include("apps.sales.urls")),
    path("marketing/plays/", include(play_patterns)),
    path("marketing/feedback/", include(feedback_patterns)),
    path("marketing/", include("apps.marketing.urls")),
    path("service/", include("apps.service.urls")),
    path("goals/", include("apps.goals.urls")),
    path("agreement/", include("apps.scoring.urls")),
    path("accounts/", include("apps.abm.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("imports/", include("apps.imports.urls")),
    # API, public forms
    path("api/", include("revenue.api_urls")),
    path("f/", include("apps.intake.urls")),
    path("book/", include("apps.intake.booking_urls")),
    # Home (role landing) and /healthz
    path(
        "",
        include(
            (
                [
                    path("", user_views.home, name="home"),
                    path("healthz", core_views.healthz, name="healthz"),
                ],
                "core",
            )
        ),
    ),
]

# A database outage answers 503 with Retry-After (JSON under /api/), anything else a plain 500.
handler500 = "apps.core.views.server_error"
