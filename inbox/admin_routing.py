"""Django admin views of routing data (read-mostly; admins edit rules in /settings/ so every change is audited)."""

from django.contrib import admin

from inbox.models_routing import BusinessHours, RoutingRule, RuleVersion, SlaPolicy


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "enabled", "is_default", "version", "updated_at"]
    readonly_fields = [f.name for f in RoutingRule._meta.fields]

    def has_add_permission(self, request):
        return False  # through /settings/rules/ so the change is validated and audited


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    list_display = ["rule_name", "version", "change", "actor", "at"]
    readonly_fields = [f.name for f in RuleVersion._meta.fields]


admin.site.register(BusinessHours)
admin.site.register(SlaPolicy)
