from datetime import date, datetime, time, timedelta

from django.shortcuts import render
from django.utils import timezone

from inbox.access import admin_required
from inbox.audit.display import audit_lines, audit_names
from inbox.audit.models import AuditEntry

PAGE = 100


@admin_required
def audit_log(request):
    entries = AuditEntry.objects.select_related("actor")
    actor, action, target = request.GET.get("actor", ""), request.GET.get("action", ""), request.GET.get("target", "")
    if actor:
        entries = entries.filter(actor_label=actor)
    if action:
        entries = entries.filter(action__startswith=action)
    if target:
        entries = entries.filter(target_type=target)
    for name, lookup, shift in (("start", "gte", 0), ("end", "lt", 1)):
        try:
            day = date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            continue
        moment = datetime.combine(day + timedelta(days=shift), time.min, tzinfo=timezone.get_current_timezone())
        entries = entries.filter(**{f"created_at__{lookup}": moment})
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(pk__lt=int(before))
    rows = list(entries.order_by("-pk")[: PAGE + 1])
    names = audit_names(rows[:PAGE])
    for entry in rows[:PAGE]:
        entry.before_lines, entry.after_lines = audit_lines(entry.before, names), audit_lines(entry.after, names)
        entry.target_label_extra = entry.target_label.removeprefix(f"#{entry.target_id}").strip()  # "#47 Maya": once
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "entries": rows[:PAGE],
        "next_before": rows[PAGE - 1].pk if len(rows) > PAGE else None,
        "query": query.urlencode(),
        "filters": {
            "actor": actor,
            "action": action,
            "target": target,
            **{k: request.GET.get(k, "") for k in ("start", "end")},
        },
        "target_types": AuditEntry.objects.order_by().values_list("target_type", flat=True).distinct(),
    }
    return render(request, "audit/log.html", context)
