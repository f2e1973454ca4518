from django.urls import path

from inbox.csat import views

app_name = "csat"
urlpatterns = [path("<str:token>/", views.rate, name="rate")]
