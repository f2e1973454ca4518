from django.urls import path, re_path

from inbox.api import views

app_name = "api"
urlpatterns = [
    path("openapi.json", views.openapi_schema, name="openapi"),
    path("customers", views.customer_list, name="customers"),
    path("customers/<int:pk>", views.customer_detail, name="customer"),
    path("conversations", views.conversation_list, name="conversations"),
    path("conversations/<int:pk>", views.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/messages", views.conversation_messages, name="messages"),
    path("conversations/<int:pk>/notes", views.conversation_notes, name="notes"),
    path("conversations/<int:pk>/assignment", views.conversation_assignment, name="assignment"),
    path("conversations/<int:pk>/status", views.conversation_status, name="status"),
    re_path(r"^(?P<path>.*)$", views.api_not_found, name="not_found"),  # last: a JSON 404, also with DEBUG on
]
