from django.shortcuts import get_object_or_404, render

from inbox.access import agent_required
from inbox.models import Conversation
from inbox.selectors import VIEWS, conversation_list, conversation_timeline, view_counts


@agent_required
def home(request):
    view = request.GET.get("view", "open")
    if view not in VIEWS and view != "mine":
        view = "open"
    context = {
        "view": view,
        "views": [("mine", "Mine"), *((key, label) for key, (label, _) in VIEWS.items())],
        "counts": view_counts(request.user),
        "conversations": conversation_list(view=view, user=request.user),
    }
    template = "inbox/_conversation_list.html" if request.htmx else "inbox/home.html"
    return render(request, template, context)


@agent_required
def conversation_detail(request, pk: int):
    conversation = get_object_or_404(Conversation.objects.select_related("customer", "assignee", "team"), pk=pk)
    context = {
        "conversation": conversation,
        "messages": conversation_timeline(conversation),
        "contact_points": conversation.customer.contact_points.all(),
    }
    return render(request, "inbox/conversation.html", context)
