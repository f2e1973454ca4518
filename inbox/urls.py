from django.urls import path

from inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.home, name="home"),
    path("conversations/<int:pk>/", views.conversation_detail, name="conversation"),
]
