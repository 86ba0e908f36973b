from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from apps.leads.api import IntakeApi

app_name = "api"
urlpatterns = [
    path("v1/auth/token/", login_not_required(obtain_auth_token), name="token"),
    path("v1/intake/", login_not_required(IntakeApi.as_view()), name="intake"),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        login_not_required(SpectacularSwaggerView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
