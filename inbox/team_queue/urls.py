from django.urls import path

from inbox.team_queue import views

app_name = "team_queue"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:team_id>/", views.queue, name="queue"),
    path("<int:team_id>/conversations/<int:pk>/assign/", views.conversation_assign, name="assign"),
    path("<int:team_id>/members/<int:pk>/capacity/", views.member_capacity, name="capacity"),
    path("<int:team_id>/members/<int:pk>/presence/", views.member_presence, name="presence"),
]
