from django.urls import path

from apps.intake import booking

app_name = "booking"
urlpatterns = [
    path("m/<str:token>/", booking.meeting, name="meeting"),
    path("m/<str:token>/reschedule/", booking.reschedule, name="reschedule"),
    path("m/<str:token>/cancel/", booking.cancel, name="cancel"),
    path("m/<str:token>/invite.ics", booking.invite, name="invite"),
    path("<str:token>/", booking.book, name="book"),
    path("<str:token>/slots/", booking.slots, name="slots"),
]
