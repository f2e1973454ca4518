"""SLA badges for conversation lists.

Use on conversations from ``inbox.sla.sla_annotate(qs.select_related("sla_policy"))``:
``{% load routing_tags %}{% sla_badge conversation %}`` renders nothing without an active timer,
else ``<span class="sla-badge sla-ok|sla-warning|sla-breached">``. No queries per row.
"""

from django import template
from django.utils.html import format_html

from inbox.sla import sla_badge as badge_for

register = template.Library()


@register.simple_tag
def sla_badge(conversation):
    badge = badge_for(conversation)
    if badge is None:
        return ""
    return format_html(
        '<span class="sla-badge sla-{}" title="Due {}">{}</span>',
        badge.state,
        badge.due_at.strftime("%Y-%m-%d %H:%M %Z"),
        badge.label,
    )
