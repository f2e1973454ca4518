from django.urls import path

from inbox.api import settings_views as views

app_name = "integrations"
urlpatterns = [
    path("", views.integrations, name="index"),
    path("tokens/", views.integration_add, name="add"),
    path("tokens/<int:pk>/revoke/", views.integration_remove, name="revoke"),
    path("tokens/<int:pk>/access/", views.integration_access, name="access"),
    path("webhooks/", views.endpoint_add, name="endpoint_add"),
    path("webhooks/<int:pk>/toggle/", views.endpoint_toggle, name="endpoint_toggle"),
]
