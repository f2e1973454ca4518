from django import template

from inbox.models import Channel

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key)


@register.filter
def channel_label(value: str) -> str:
    try:
        return Channel(value).label
    except ValueError:
        return value


@register.simple_tag(takes_context=True)
def optional_include(context, template_name: str):
    """Render another part's template when it is installed (copilot, WhatsApp templates), else nothing."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        template = get_template(template_name)
    except TemplateDoesNotExist:
        return ""
    return template.render(context.flatten(), context.get("request"))


@register.simple_tag
def static_if_exists(path: str) -> str:
    """The URL of a static file another part ships, or '' while it is not merged yet."""
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    return static(path) if finders.find(path) else ""


@register.filter
def initials(user) -> str:
    name = (user.get_full_name() or user.get_username()) if user else ""
    parts = name.split()
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@register.filter
def since(value) -> str:
    """A compact age: 45s, 12m, 3h, 2d."""
    from django.utils import timezone

    if not value:
        return ""
    seconds = max(0, int((timezone.now() - value).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@register.inclusion_tag("inbox/_sla_badge.html")
def sla_badge(conversation):
    """The SLA badge from whatever SLA fields the routing part adds (none yet: no badge)."""
    from django.utils import timezone

    due = next(
        (getattr(conversation, f, None) for f in ("sla_due_at", "next_response_due_at", "first_response_due_at")
         if getattr(conversation, f, None)),
        None,
    )  # fmt: skip
    if due is None or conversation.status == "resolved":
        return {"due": None}
    remaining = (due - timezone.now()).total_seconds()
    state = "breached" if remaining < 0 else "soon" if remaining < 15 * 60 else "ok"
    return {"due": due, "state": state}


TICKS = {
    "pending": ("○", "Sending"),
    "sending": ("○", "Sending"),
    "queued": ("○", "Queued"),
    "sent": ("✓", "Sent"),
    "delivered": ("✓✓", "Delivered"),
    "read": ("✓✓", "Read"),
    "failed": ("!", "Failed"),
    "undelivered": ("!", "Not delivered"),
}


@register.inclusion_tag("inbox/_tick.html")
def delivery_tick(message):
    symbol, label = TICKS.get(message.delivery_status, ("", message.delivery_status))
    return {"message": message, "symbol": symbol, "label": label}


@register.simple_tag
def notification_unread(user) -> int:
    from inbox.access import conversations_visible_q
    from inbox.models import Notification

    if not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    return unread.filter(conversations_visible_q(user, "conversation__")).count()  # as the list shows them


@register.simple_tag
def my_presence(user) -> str:
    from inbox.models import AgentProfile

    return AgentProfile.objects.filter(user=user).values_list("presence", flat=True).first() or ""


@register.filter
def urlencode_dict(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if k != "cursor"})


@register.filter
def split(value: str) -> list[str]:
    return value.split()


@register.filter
def attr(obj, name: str):
    return getattr(obj, name, "")
