from django.urls import path

from channels_app.twilio import simulator, template_views, webhooks

app_name = "twilio"
urlpatterns = [
    path("webhooks/twilio/messages/", webhooks.inbound_message, name="inbound"),
    path("webhooks/twilio/status/", webhooks.status_callback, name="status"),
    path("conversations/<int:pk>/whatsapp/", template_views.whatsapp_panel, name="whatsapp_panel"),
]
urlpatterns += [  # demo only: 404 unless DEBUG or PHONE_SIMULATOR
    path("simulator/phone/", simulator.phone_page, name="phone"),
    path("simulator/phone/thread/", simulator.phone_thread, name="phone_thread"),
    path("simulator/phone/send/", simulator.phone_send, name="phone_send"),
]
