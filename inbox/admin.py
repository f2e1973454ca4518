from django.contrib import admin

from inbox.models import AgentProfile, Attachment, CannedReply, ContactPoint, Conversation, Customer, Message, Team


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "language", "created_at"]
    search_fields = ["name", "contact_points__address"]
    inlines = [ContactPointInline]


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ["address", "kind", "customer", "verified"]
    list_filter = ["kind", "verified"]
    search_fields = ["address"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "assignment_policy"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "presence", "capacity"]
    list_filter = ["role", "presence", "teams"]
    list_select_related = ["user"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "status", "owner", "assignee", "team", "priority", "last_message_at"]
    list_filter = ["status", "owner", "team", "priority"]
    search_fields = ["subject", "customer__name"]
    list_select_related = ["customer", "assignee", "team"]
    raw_id_fields = ["customer", "assignee"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "channel", "direction", "author_kind", "delivery_status", "created_at"]
    list_filter = ["channel", "direction", "delivery_status"]
    search_fields = ["text", "external_id"]
    raw_id_fields = ["conversation", "author"]
    inlines = [AttachmentInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["id", "filename", "content_type", "size", "state"]
    raw_id_fields = ["message"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "shortcut"]
    search_fields = ["title", "body"]
