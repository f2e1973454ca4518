from django.urls import path

from inbox.people import views

app_name = "people"
urlpatterns = [
    path("", views.people, name="index"),
    path("invite/", views.agent_invite, name="invite"),
    path("agents/<int:pk>/", views.agent_update, name="agent"),
    path("teams/", views.team_save, name="team_new"),
    path("teams/<int:pk>/", views.team_save, name="team"),
]
