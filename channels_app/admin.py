from django.contrib import admin

from channels_app.models import WhatsAppTemplate


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "content_sid", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "content_sid", "body_preview"]
