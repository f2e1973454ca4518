from django.urls import path

from inbox import routing_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.home, name="home"),
    path("list/", views.conversation_list, name="list"),
    path("sidebar/", views.sidebar, name="sidebar"),
    path("conversations/<int:pk>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/take-over/", routing_views.conversation_take_over, name="take_over"),
    path("conversations/<int:pk>/handback/", routing_views.conversation_handback, name="handback"),
    path("conversations/<int:pk>/send/", views.conversation_send, name="send"),
    path("conversations/<int:pk>/assign/", views.conversation_assign, name="assign"),
    path("conversations/<int:pk>/ai/", views.conversation_hand_to_ai, name="hand_to_ai"),
    path("conversations/<int:pk>/status/", views.conversation_status, name="status"),
    path("conversations/<int:pk>/priority/", views.conversation_priority, name="priority"),
    path("conversations/<int:pk>/tags/", views.conversation_tags, name="tags"),
    path("conversations/<int:pk>/contact-points/", views.customer_contact_point_add, name="contact_point_add"),
    path("conversations/<int:pk>/merge/", views.customer_merge, name="merge"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("presence/", views.presence, name="presence"),
    path("filters/", views.saved_filter_save, name="saved_filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
]
