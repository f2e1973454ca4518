"""The team lead's queue page: /team/ and /team/<id>/. Leads of the team and admins only.

Actions POST and answer with the refreshed queue partial (htmx) or a redirect; failures keep
the page and say why (400), other teams' leads and agents get 403 with the reason.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from inbox.access import agent_required, check_lead, check_team_manage
from inbox.models import AgentProfile, Conversation, Team
from inbox.team_queue import selectors, services


@require_GET
@agent_required
def index(request):
    check_lead(request.user)
    teams = selectors.teams_managed(request.user)
    if not teams:
        raise PermissionDenied("No team to manage yet: an admin creates teams and adds leads to them")
    return redirect("team_queue:queue", team_id=teams[0].pk)


@require_GET
@agent_required
def queue(request, team_id: int):
    team = get_object_or_404(Team, pk=team_id)
    check_team_manage(request.user, team.pk)
    return _render(request, team)


def _render(request, team: Team, *, error: str = "", status: int = 200):
    members = selectors.team_members(team)
    context = {
        "team": team,
        "teams": selectors.teams_managed(request.user),
        "other_teams": [t for t in Team.objects.order_by("name") if t.pk != team.pk],
        "members": members,
        "online": sum(m.presence == AgentProfile.Presence.ONLINE for m in members),
        "queue": selectors.team_queue(team),
        "presences": AgentProfile.Presence.choices,
        "lead_presences": services.LEAD_PRESENCES,
        "error": error,
    }
    template = "team_queue/_queue.html" if request.htmx else "team_queue/queue.html"
    return render(request, template, context, status=status)


def team_action(view):
    """POST by a lead of the team (or an admin): run it, then show the queue again."""

    @require_POST
    @agent_required
    def wrapper(request, team_id: int, pk: int):
        team = get_object_or_404(Team, pk=team_id)
        check_team_manage(request.user, team.pk)
        try:
            view(request, team, pk)
        except ValidationError as exc:
            return _render(request, team, error=" ".join(exc.messages), status=400)
        if not request.htmx:
            return redirect("team_queue:queue", team_id=team.pk)
        return _render(request, team)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@team_action
def conversation_assign(request, team: Team, pk: int) -> None:
    """``target`` is ``agent:<user id>`` (a member), ``backlog``, or ``team:<id>`` (move)."""
    conversation = get_object_or_404(Conversation, pk=pk)
    kind, _, ident = request.POST.get("target", "").partition(":")
    if kind == "backlog":
        services.team_conversation_assign(team=team, conversation=conversation, actor=request.user, member_id=None)
    elif kind == "agent" and ident.isdigit():
        services.team_conversation_assign(
            team=team, conversation=conversation, actor=request.user, member_id=int(ident)
        )
    elif kind == "team" and ident.isdigit():
        to_team = Team.objects.filter(pk=int(ident)).first()
        if to_team is None:
            raise ValidationError("No such team")
        services.team_conversation_move(team=team, conversation=conversation, actor=request.user, to_team=to_team)
    else:
        raise ValidationError("Choose a member, the backlog or another team")


@team_action
def member_capacity(request, team: Team, pk: int) -> None:
    value = request.POST.get("capacity", "")
    if not value.isdigit():
        raise ValidationError("Capacity is a whole number of open conversations")
    services.team_member_capacity_set(team=team, member_id=pk, capacity=int(value), actor=request.user)


@team_action
def member_presence(request, team: Team, pk: int) -> None:
    services.team_member_presence_set(
        team=team, member_id=pk, presence=request.POST.get("presence", ""), actor=request.user
    )
