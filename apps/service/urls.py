from django.urls import path

from apps.service import views

app_name = "service"
urlpatterns = [
    path("", views.home, name="home"),
    path("renewals/<int:renewal_id>/renew/", views.renew_renewal, name="renew"),
    path("renewals/<int:renewal_id>/churn/", views.churn_renewal, name="churn-renewal"),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("accounts/<int:account_id>/health/", views.set_health, name="set-health"),
    path("accounts/<int:account_id>/hand-to-sales/", views.hand_to_sales, name="hand-to-sales"),
    path("churn/", views.churn, name="churn"),
    path("voice/", views.voice, name="voice"),
    path("voice/add/", views.add_voice_note, name="add-voice-note"),
]
