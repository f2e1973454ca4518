"""Who may do what. Checks raise PermissionDenied; they never change anything."""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from inbox.models import AgentProfile


def is_agent(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or AgentProfile.objects.filter(user=user).exists()


def is_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or AgentProfile.objects.filter(user=user, role=AgentProfile.Role.ADMIN).exists()


def check_agent(user: User | AnonymousUser) -> None:
    if not is_agent(user):
        raise PermissionDenied("Only support agents can see the inbox")


def agent_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        check_agent(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def check_conversation_act(user: User | AnonymousUser, conversation) -> None:
    """Agents act on exactly the conversations they may see (see ``Viewer`` below)."""
    check_conversation_see(user, conversation)


def check_admin(user: User | AnonymousUser) -> None:
    if not is_admin(user):
        raise PermissionDenied("Only admins can change the settings")


def admin_required(view):
    """Logged-in admins only (role admin or superuser); anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        check_admin(request.user)
        return view(request, *args, **kwargs)

    return wrapper


# ----- conversation visibility: the one policy ------------------------------------------
#
# Admins (role admin or superuser) see and act on everything. Agents and team leads see and act
# on conversations assigned to them, conversations of their teams, and conversations with no
# team. Team leads also manage their teams' queues (``check_team_manage``). With
# INBOX_TEAM_VISIBILITY=all every agent sees every conversation (the old one shared queue).


@dataclass(frozen=True)
class Viewer:
    """What one user may see, read once per request (or socket) from one query."""

    user_id: int | None
    role: str = ""  # "" = not an agent
    team_ids: frozenset[int] = frozenset()
    superuser: bool = False

    @property
    def is_agent(self) -> bool:
        return self.superuser or bool(self.role)

    @property
    def is_admin(self) -> bool:
        return self.superuser or self.role == AgentProfile.Role.ADMIN

    @property
    def is_lead(self) -> bool:
        return self.role == AgentProfile.Role.LEAD

    @property
    def sees_all(self) -> bool:
        return self.is_admin or (self.is_agent and settings.INBOX_TEAM_VISIBILITY == "all")

    def can_see(self, *, team_id: int | None, assignee_id: int | None) -> bool:
        """The policy on plain ids (sockets filter events with it, pages check rows with it)."""
        if not self.is_agent:
            return False
        return self.sees_all or team_id is None or team_id in self.team_ids or assignee_id == self.user_id

    def conversations_q(self, prefix: str = "") -> Q:
        """The same policy as one filter expression (``prefix`` like ``"conversation__"``)."""
        if not self.is_agent:
            return Q(pk__in=[])
        if self.sees_all:
            return Q()
        return (
            Q(**{f"{prefix}team__isnull": True})
            | Q(**{f"{prefix}team_id__in": sorted(self.team_ids)})
            | Q(**{f"{prefix}assignee_id": self.user_id})
        )

    def manages(self, team_id: int) -> bool:
        return self.is_admin or (self.is_lead and team_id in self.team_ids)


def viewer(user: User | AnonymousUser) -> Viewer:
    """The user's role and teams, cached on the user object (one query per request)."""
    cached = getattr(user, "_inbox_viewer", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        return Viewer(user_id=None)
    rows = list(AgentProfile.objects.filter(user=user).values_list("role", "teams"))
    found = Viewer(
        user_id=user.pk,
        role=rows[0][0] if rows else "",
        team_ids=frozenset(team for _, team in rows if team is not None),
        superuser=user.is_superuser,
    )
    user._inbox_viewer = found
    return found


def viewer_forget(user: User | AnonymousUser) -> None:
    """Drop the cached role and teams (after they changed, or on a long-lived socket)."""
    user.__dict__.pop("_inbox_viewer", None)


def conversations_visible_q(user: User | AnonymousUser, prefix: str = "") -> Q:
    return viewer(user).conversations_q(prefix)


def can_see_conversation(user: User | AnonymousUser, conversation) -> bool:
    return viewer(user).can_see(team_id=conversation.team_id, assignee_id=conversation.assignee_id)


def check_conversation_see(user: User | AnonymousUser, conversation) -> None:
    if not viewer(user).is_agent:
        raise PermissionDenied("Only support agents can see the inbox")
    if not can_see_conversation(user, conversation):
        raise PermissionDenied("This conversation belongs to another team's queue; ask a lead of that team or an admin")


def users_who_see_q(conversation) -> Q:
    """Users (a ``User`` queryset filter) who may see ``conversation``: for mentions and the like."""
    is_agent_q = Q(is_superuser=True) | Q(agent__isnull=False)
    if conversation.team_id is None or settings.INBOX_TEAM_VISIBILITY == "all":
        return is_agent_q
    return (
        Q(is_superuser=True)
        | Q(agent__role=AgentProfile.Role.ADMIN)
        | Q(agent__teams=conversation.team_id)
        | Q(pk=conversation.assignee_id or 0)
    ) & is_agent_q


def check_team_manage(user: User | AnonymousUser, team_id: int) -> None:
    check_lead(user)
    if not viewer(user).manages(team_id):
        raise PermissionDenied("Only this team's leads and admins manage its queue")


def check_lead(user: User | AnonymousUser) -> None:
    found = viewer(user)
    if not found.is_agent:
        raise PermissionDenied("Only support agents can see the inbox")
    if not (found.is_admin or found.is_lead):
        raise PermissionDenied("The team queue is for team leads and admins")
