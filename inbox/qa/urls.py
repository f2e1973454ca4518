from django.urls import path

from inbox.qa import views

app_name = "qa"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("flags/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("gaps/close/", views.gap_close, name="gap_close"),
    path("phrases/", views.phrase_add, name="phrase_add"),
    path("phrases/<int:pk>/remove/", views.phrase_remove, name="phrase_remove"),
]
