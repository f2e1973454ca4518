"""/settings/people/: who works the inbox, their role and teams; the teams themselves. Admins only."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from inbox.access import admin_required
from inbox.models import AgentProfile, Conversation, Team
from inbox.people import services


def _people():
    """Agents, leads and admins; integrations' users are managed under Settings → Integrations."""
    return AgentProfile.objects.filter(user__integration__isnull=True)


def _context(**extra) -> dict:
    agents = (
        _people()
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .annotate(
            open_now=Count("user__conversations", filter=~Q(user__conversations__status=Conversation.Status.RESOLVED))
        )
        .order_by("-user__is_active", "user__first_name", "user__username")
    )
    teams = Team.objects.annotate(
        members=Count("agents", distinct=True),
        open_now=Count("conversations", filter=~Q(conversations__status=Conversation.Status.RESOLVED), distinct=True),
    ).order_by("name")
    return {"agents": agents, "teams": teams, "roles": AgentProfile.Role.choices, "section": "people", **extra}


def _render(request, *, error: str = "", notice: str = ""):
    template = "settings/_people_body.html" if request.htmx else "settings/people.html"
    return render(request, template, _context(error=error, notice=notice), status=400 if error else 200)


def _teams(request) -> list[Team]:
    ids = [int(v) for v in request.POST.getlist("teams") if v.isdigit()]
    return list(Team.objects.filter(pk__in=ids))


@admin_required
def people(request):
    return _render(request)


@admin_required
@require_POST
def agent_invite(request):
    try:
        profile = services.agent_invite(
            actor=request.user,
            name=request.POST.get("name", ""),
            email=request.POST.get("email", ""),
            role=request.POST.get("role", ""),
            teams=_teams(request),
        )
    except ValidationError as exc:
        return _render(request, error=" ".join(exc.messages))
    return _render(request, notice=f"Invited {profile}: they got an email to choose a password.")


@admin_required
@require_POST
def agent_update(request, pk: int):
    profile = get_object_or_404(_people().select_related("user"), pk=pk)
    try:
        if "active" in request.POST:
            services.agent_set_active(actor=request.user, profile=profile, active=request.POST["active"] == "1")
        else:
            services.agent_update(
                actor=request.user, profile=profile, role=request.POST.get("role", ""), teams=_teams(request)
            )
    except ValidationError as exc:
        return _render(request, error=" ".join(exc.messages))
    return _render(request, notice=f"Saved {profile}.")


@admin_required
@require_POST
def team_save(request, pk: int | None = None):
    try:
        if pk is None:
            team = services.team_create(actor=request.user, name=request.POST.get("name", ""))
            notice = f"Created {team.name}."
        else:
            team = get_object_or_404(Team, pk=pk)
            if request.POST.get("delete") == "1":
                services.team_delete(actor=request.user, team=team)
                notice = f"Deleted {team.name}."
            else:
                services.team_rename(actor=request.user, team=team, name=request.POST.get("name", ""))
                notice = f"Renamed to {team.name}."
    except ValidationError as exc:
        return _render(request, error=" ".join(exc.messages))
    return _render(request, notice=notice)
