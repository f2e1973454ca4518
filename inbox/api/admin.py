from django.contrib import admin

from inbox.api.models import Integration, WebhookDelivery, WebhookEndpoint


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "token_prefix", "active", "last_used_at"]
    readonly_fields = ["token_digest", "token_prefix"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "active", "consecutive_failures", "disabled_reason"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["delivery_id", "endpoint", "event", "state", "attempts", "last_status_code", "created_at"]
    list_filter = ["state", "event"]
    list_select_related = ["endpoint"]
