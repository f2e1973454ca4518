from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from inbox.audit.models import AuditEntry
from inbox.audit.services import audit_record, audit_snapshot
from inbox.models import AgentProfile, Attachment, ContactPoint, Conversation, Customer, Message, Team


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

    def save_model(self, request, obj, form, change):
        fields = ["role", "capacity"]
        before = audit_snapshot(AgentProfile.objects.get(pk=obj.pk), fields) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = "agent.updated" if change else "agent.created"
            audit_record(
                actor=request.user, action=action, target=obj, before=before, after=audit_snapshot(obj, fields)
            )


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


from inbox.api import admin as _api_admin  # noqa: E402,F401 - registers integration models

USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """Changes to people's accounts land in the audit trail."""

    def save_model(self, request, obj, form, change):
        before = audit_snapshot(User.objects.get(pk=obj.pk), USER_FIELDS) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = "user.updated" if change else "user.created"
            audit_record(
                actor=request.user, action=action, target=obj, before=before, after=audit_snapshot(obj, USER_FIELDS)
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action="user.deleted", target=obj, before=audit_snapshot(obj, USER_FIELDS))
            super().delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "target_type", "target_label"]
    list_filter = ["action", "target_type"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


import inbox.admin_routing  # noqa: E402,F401 - routing models in the Django admin
