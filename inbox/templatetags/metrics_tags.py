from django import template

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as the unit a person reads fastest: 45s, 12m, 3.5h, 2.1d."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f}m"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"
