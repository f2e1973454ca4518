"""Who may do what. Checks raise PermissionDenied; they never change anything."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

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
    """Any agent may work any conversation they can see: the inbox is one shared queue.

    Kept as its own check so a stricter team policy can be dropped in one place.
    """
    check_agent(user)


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
