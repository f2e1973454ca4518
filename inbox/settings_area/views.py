"""The admin settings area: routing rules (with tester and replay), teams, hours, SLA policies.

Every view is ``admin_required``; htmx requests get the partial they target.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inbox.access import admin_required
from inbox.assignment import agent_capacity_set, team_policy_set
from inbox.hours import DAY_NAMES, business_hours_set, hours_for, timezone_validate, weekly_parse, weekly_validate
from inbox.models import AgentProfile, Team
from inbox.models_routing import RoutingRule, RuleVersion, SlaPolicy
from inbox.rules.admin import rule_create, rule_delete, rule_move, rule_set_enabled, rule_update
from inbox.rules.conditions import condition_describe
from inbox.rules.engine import rules_active
from inbox.rules.replay import rules_replay, rules_test, rules_with_draft
from inbox.settings_area.forms import HoursForm, RuleForm, SlaPolicyForm, TesterForm
from inbox.sla import sla_policy_save

REPLAY_DAYS = (1, 7, 30, 90)


def _rules_context():
    rules = rules_active()
    teams = {t.pk: t.name for t in Team.objects.all()}
    rows = []
    for rule in rules:
        a = rule.actions or {}
        owner = {"ai": "AI agent", "team": f"Team {teams.get(a.get('team_id'), '?')}", "agent": "Specific agent"}
        rows.append(
            {
                "rule": rule,
                "conditions": [condition_describe(c) for c in rule.conditions] or ["Everything"],
                "owner": owner.get(a.get("owner"), "Unassigned queue" if rule.is_default else "—"),
            }
        )
    return {"rows": rows, "section": "rules"}


@admin_required
def settings_home(request):
    return redirect("settings:rules")


@admin_required
def rules_list(request):
    template = "settings/_rules_table.html" if request.htmx else "settings/rules.html"
    return render(request, template, _rules_context())


def _table_or_redirect(request, error: str = ""):
    if request.htmx:
        context = {**_rules_context(), "error": error}
        return render(request, "settings/_rules_table.html", context, status=400 if error else 200)
    return redirect("settings:rules")


@admin_required
@require_POST
def rule_toggle(request, pk: int):
    rule = get_object_or_404(RoutingRule, pk=pk)
    try:
        rule_set_enabled(rule=rule, enabled=not rule.enabled, actor=request.user)
    except ValidationError as exc:
        return _table_or_redirect(request, " ".join(exc.messages))
    return _table_or_redirect(request)


@admin_required
@require_POST
def rule_move_view(request, pk: int, direction: str):
    rule = get_object_or_404(RoutingRule, pk=pk)
    try:
        rule_move(rule=rule, direction=direction, actor=request.user)
    except ValidationError as exc:
        return _table_or_redirect(request, " ".join(exc.messages))
    return _table_or_redirect(request)


@admin_required
@require_POST
def rule_delete_view(request, pk: int):
    rule = get_object_or_404(RoutingRule, pk=pk)
    try:
        rule_delete(rule=rule, actor=request.user)
    except ValidationError as exc:
        return _table_or_redirect(request, " ".join(exc.messages))
    return _table_or_redirect(request)


@admin_required
def rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else None
    is_default = bool(rule and rule.is_default)
    if request.method == "POST":
        form = RuleForm(request.POST, is_default=is_default)
        if form.is_valid():
            data = form.cleaned_rule
            if rule:
                rule_update(rule=rule, actor=request.user, **data)
            else:
                rule_create(actor=request.user, **data)
            return redirect("settings:rules")
        status = 400
    else:
        form = RuleForm(initial=RuleForm.initial_for(rule) if rule else {"stop": True}, is_default=is_default)
        status = 200
    context = {"form": form, "rule": rule, "section": "rules", "replay_days": REPLAY_DAYS}
    return render(request, "settings/rule_edit.html", context, status=status)


@admin_required
@require_POST
def rule_replay(request, pk: int | None = None):
    """Replay the form's unsaved draft over recent conversations (nothing is saved)."""
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else None
    form = RuleForm(request.POST, is_default=bool(rule and rule.is_default))
    try:
        days = int(request.POST.get("days", 7))
    except ValueError:
        days = 0
    if days not in REPLAY_DAYS:
        return HttpResponseBadRequest("Replay over 1, 7, 30 or 90 days")
    if not form.is_valid():
        return render(request, "settings/_replay.html", {"form_errors": form}, status=400)
    draft = RoutingRule(
        pk=rule.pk if rule else None,
        is_default=bool(rule and rule.is_default),
        position=rule.position if rule else 0,
        enabled=rule.enabled if rule else True,
        **form.cleaned_rule,
    )
    current = rules_active()
    result = rules_replay(current=current, draft=rules_with_draft(draft), days=days)
    return render(request, "settings/_replay.html", {"result": result})


def _text_decided(text: str, customer) -> dict:
    from agents.decisions import text_decide  # inbox -> agents, as in inbox.tasks (until the layout issue)

    return text_decide(text=text, hint=(customer.language if customer else "") or "")


@admin_required
def rules_tester(request):
    decision = None
    status = 200
    if request.method == "POST":
        form = TesterForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            at = d.get("at") or timezone.now()
            decision = rules_test(
                rules=rules_active(),
                channel=d["channel"],
                text=d["text"],
                at=at,
                customer=d.get("customer"),
                # Fields left blank: the decision the pipeline would make for this text.
                classification=form.classification() or _text_decided(d["text"], d.get("customer")),
            )
        else:
            status = 400
    else:
        form = TesterForm()
    context = {"form": form, "decision": decision, "section": "tester"}
    template = "settings/_tester_result.html" if request.htmx else "settings/tester.html"
    return render(request, template, context, status=status)


@admin_required
def rule_history(request, pk: int):
    rule = get_object_or_404(RoutingRule, pk=pk)
    versions = RuleVersion.objects.filter(rule=rule).select_related("actor")
    return render(request, "settings/rule_history.html", {"rule": rule, "versions": versions, "section": "rules"})


@admin_required
def audit_log(request):
    versions = RuleVersion.objects.select_related("actor")[:200]
    return render(request, "settings/rule_history.html", {"rule": None, "versions": versions, "section": "rules"})


@admin_required
def teams(request):
    error = ""
    if request.method == "POST":
        try:
            if "team" in request.POST:
                team = get_object_or_404(Team, pk=request.POST["team"])
                team_policy_set(team=team, policy=request.POST.get("policy", ""), actor=request.user)
            elif "agent" in request.POST:
                agent = get_object_or_404(AgentProfile, pk=request.POST["agent"])
                agent_capacity_set(agent=agent, capacity=int(request.POST.get("capacity") or 0), actor=request.user)
        except (ValidationError, ValueError) as exc:
            error = " ".join(getattr(exc, "messages", ["Capacity is a whole number"]))
    teams_qs = Team.objects.prefetch_related("agents__user")
    agents = (
        AgentProfile.objects.select_related("user")
        .annotate(load=Count("user__conversations", filter=Q(user__conversations__status__in=("open", "pending"))))
        .order_by("user__first_name")
    )
    context = {"teams": teams_qs, "agents": agents, "policies": Team.Policy.choices, "error": error, "section": "teams"}
    template = "settings/_teams_body.html" if request.htmx else "settings/teams.html"
    return render(request, template, context, status=400 if error else 200)


def _hours_read(form: HoursForm) -> tuple[dict, list[date]]:
    """The form's days and holidays, each mistake added to its own field."""
    d = dict(form.cleaned_data)
    try:
        timezone_validate(d["timezone"].strip())
    except ValidationError as exc:
        form.add_error("timezone", exc)
    weekly = {}
    for i in range(7):
        try:
            weekly.update(weekly_validate({str(i): weekly_parse(d.get(f"day_{i}", ""))}))
        except ValidationError as exc:
            form.add_error(f"day_{i}", exc)
    holidays = []
    for line in filter(None, (line.strip() for line in d["holidays"].splitlines())):
        try:
            holidays.append(date.fromisoformat(line))
        except ValueError:
            form.add_error("holidays", f"{line!r} is not a date: write YYYY-MM-DD")
    return weekly, holidays


@admin_required
def hours(request, team_id: int | None = None):
    all_teams = list(Team.objects.select_related("hours"))
    team = get_object_or_404(Team, pk=team_id) if team_id else (all_teams[0] if all_teams else None)
    form = None
    saved = False
    status = 200
    if team is not None:
        if request.method == "POST":
            form = HoursForm(request.POST)
            if form.is_valid():
                weekly, holidays = _hours_read(form)  # every mistake at its field, not only the first
                if not form.errors:
                    try:
                        business_hours_set(team=team, timezone=form.cleaned_data["timezone"], weekly=weekly,
                                           holidays=holidays, actor=request.user)  # fmt: skip
                        saved = True
                    except ValidationError as exc:
                        form.add_error(None, " ".join(exc.messages))
            if not form.is_valid():
                status = 400
        else:
            current = hours_for(team)
            initial = {
                "timezone": current.timezone if current else "UTC",
                "holidays": "\n".join(d.isoformat() for d in current.holidays) if current else "",
            }
            for i in range(7):
                spans = (current.weekly if current else {}).get(str(i), [])
                initial[f"day_{i}"] = ", ".join(f"{a}-{b}" for a, b in spans)
            form = HoursForm(initial=initial)
    context = {"teams": all_teams, "team": team, "form": form, "saved": saved, "section": "hours", "days": DAY_NAMES}
    return render(request, "settings/hours.html", context, status=status)


@admin_required
def sla_policies(request, pk: int | None = None):
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else None
    status = 200
    if request.method == "POST":
        form = SlaPolicyForm(request.POST, instance=policy)
        if form.is_valid():
            sla_policy_save(policy=form.save(commit=False), actor=request.user)
            return redirect("settings:sla")
        status = 400
    else:
        form = SlaPolicyForm(instance=policy)
    context = {"policies": SlaPolicy.objects.all(), "form": form, "policy": policy, "section": "sla"}
    return render(request, "settings/sla.html", context, status=status)
