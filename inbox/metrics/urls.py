from django.urls import path

from inbox.metrics import views

app_name = "metrics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.dashboard_csv, name="csv"),
]
