from django.urls import path

from inbox import routing_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.home, name="home"),
    path("conversations/<int:pk>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/take-over/", routing_views.conversation_take_over, name="take_over"),
    path("conversations/<int:pk>/handback/", routing_views.conversation_handback, name="handback"),
    path("presence/", routing_views.presence_set, name="presence"),
]
