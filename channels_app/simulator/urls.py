from django.urls import path

from channels_app.simulator import views

app_name = "simulator"
urlpatterns = [
    path("demo/store/", views.store, name="store"),
    path("simulator/", views.home, name="home"),
    path("simulator/email/", views.email, name="email"),
]
