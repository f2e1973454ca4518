"""The agent inbox pages: thin views that parse input, call a service and render a partial.

A full page renders all three panes; htmx requests get just the piece they refresh.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_POST

from inbox import selectors
from inbox.access import agent_required, check_conversation_see
from inbox.forms import ComposeForm, ContactPointForm, MergeForm, PriorityForm, SnoozeForm
from inbox.models import (
    CHANNEL_CONTACT_KIND,
    AgentProfile,
    Attachment,
    CannedReply,
    Channel,
    ContactPoint,
    Conversation,
    Customer,
    Team,
)
from inbox.services import actions, agents, compose, customers
from inbox.services.contacts import contact_address_normalise
from inbox.services.whatsapp import whatsapp_window

# Images a browser may show inline; anything else (SVG included) downloads.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _reason(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ----- pages ------------------------------------------------------------------------------


@require_GET
@agent_required
def home(request):
    if request.htmx:
        return conversation_list(request)
    return _inbox_page(request, conversation=None)


@require_GET
@agent_required
def conversation_list(request):
    """The middle pane's rows (a refresh, or the next page with ``cursor``)."""
    try:
        page = _page(request)
    except ValidationError as exc:
        return HttpResponseBadRequest(_reason(exc))
    template = "inbox/_list_rows.html" if request.GET.get("cursor") else "inbox/_list.html"
    return render(request, template, {"page": page})


@require_GET
@agent_required
def sidebar(request):
    return render(request, "inbox/_sidebar.html", {"sidebar": selectors.sidebar(request.user), **_list_state(request)})


@require_GET
@agent_required
def conversation_detail(request, pk: int):
    conversation = _conversation(request, pk)
    actions.conversation_mark_read(conversation=conversation, user=request.user)
    part = request.GET.get("part")
    if request.htmx and part == "live":
        return render(request, "inbox/_conversation_live.html", _conversation_context(request, conversation))
    if request.htmx and part == "customer":
        return render(request, "inbox/_customer_panel.html", _conversation_context(request, conversation))
    if request.htmx:
        return render(request, "inbox/_conversation.html", _conversation_context(request, conversation))
    return _inbox_page(request, conversation=conversation)


def _inbox_page(request, *, conversation: Conversation | None):
    try:
        page = _page(request)
    except ValidationError as exc:
        return HttpResponseBadRequest(_reason(exc))
    context = {"page": page, "sidebar": selectors.sidebar(request.user), **_list_state(request)}
    if conversation is not None:
        context.update(_conversation_context(request, conversation))
    return render(request, "inbox/home.html", context)


MAX_REFRESH_ROWS = 500


def _page(request) -> selectors.Page:
    """One page; a live refresh asks for ``rows`` so rows the agent already loaded stay on screen."""
    query = selectors.ListQuery.from_params(request.GET)
    rows = request.GET.get("rows", "")
    limit = min(max(int(rows), settings.INBOX_PAGE_SIZE), MAX_REFRESH_ROWS) if rows.isdigit() else None
    return selectors.conversation_page(user=request.user, query=query, limit=limit or settings.INBOX_PAGE_SIZE)


def _list_state(request) -> dict:
    query = selectors.ListQuery.from_params(request.GET)
    return {"list_query": query, "sorts": selectors.SORTS}


def _conversation(request, pk: int) -> Conversation:
    """The conversation, if it exists (404) and the user may see it (403 with the reason)."""
    try:
        conversation = selectors.conversation_for_page(pk)
    except Conversation.DoesNotExist:
        raise Http404("No such conversation") from None
    check_conversation_see(request.user, conversation)
    return conversation


def _conversation_context(request, conversation: Conversation, **extra) -> dict:
    customer = conversation.customer
    panel = selectors.customer_panel(customer, user=request.user, exclude_conversation_id=conversation.pk)
    reachable = {cp.kind for cp in panel["contact_points"]}
    channels = [c for c in Channel if CHANNEL_CONTACT_KIND[c] in reachable]
    default_channel = conversation.last_inbound_channel or (channels[0].value if channels else "")
    canned = [
        (reply, agents.canned_reply_render(reply=reply, conversation=conversation, agent=request.user))
        for reply in CannedReply.objects.all()
    ]
    whatsapp_open, whatsapp_closes_at = whatsapp_window(conversation)
    return {
        "conversation": conversation,
        "customer": customer,
        "timeline": selectors.conversation_timeline(conversation),
        "contact_points": panel["contact_points"],
        "past_conversations": panel["past_conversations"],
        "reply_channels": channels,
        "default_channel": default_channel,
        "whatsapp_open": whatsapp_open,
        "whatsapp_closes_at": whatsapp_closes_at,
        "canned_replies": canned,
        "agents": selectors.agents_for_assignment(),
        "teams": list(Team.objects.order_by("name")),
        "priorities": Conversation.Priority.choices,
        "contact_kinds": ContactPointForm.base_fields["kind"].choices,
        "now": timezone.now(),
        **extra,
    }


# ----- actions on a conversation ---------------------------------------------------------


def conversation_action(view):
    """POST-only agent action: the conversation's live part re-renders, with a reason on failure."""

    @require_POST
    @agent_required
    @wraps(view)
    def wrapper(request, pk: int):
        conversation = _conversation(request, pk)  # 403 before anything about it is shown
        try:
            view(request, conversation)
        except ValidationError as exc:
            return _live(request, conversation, status=400, error=_reason(exc))
        except PermissionDenied as exc:
            return _live(request, conversation, status=403, error=str(exc) or "You may not do that")
        try:
            response = _live(request, _conversation(request, pk))
        except PermissionDenied:
            # The action moved it out of this agent's sight (e.g. to another team's queue).
            response = HttpResponse('<p class="notice" role="status">Done: it has left your queues.</p>')
            if not request.htmx:
                response = redirect("inbox:home")
        # The acting agent's other panes refresh at once (others hear it over the socket).
        response["HX-Trigger"] = "customer-changed, inbox-counts, list-changed"
        return response

    return wrapper


def _live(request, conversation: Conversation, status: int = 200, error: str = "") -> HttpResponse:
    if not request.htmx:
        if error:
            return HttpResponse(error, status=status, content_type="text/plain; charset=utf-8")
        return redirect("inbox:conversation", conversation.pk)
    merge_offer = getattr(request, "merge_offer", None)
    context = _conversation_context(request, conversation, error=error, merge_offer=merge_offer)
    return render(request, "inbox/_conversation_live.html", context, status=status)


@conversation_action
def conversation_send(request, conversation: Conversation) -> None:
    form = ComposeForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose reply or note")
    files = request.FILES.getlist("files")
    text = form.cleaned_data["text"]
    if form.cleaned_data["mode"] == "note":
        compose.note_post(conversation=conversation, actor=request.user, text=text, files=files)
    else:
        channel = form.cleaned_data["channel"] or conversation.last_inbound_channel
        compose.conversation_reply(conversation=conversation, actor=request.user, channel=channel, text=text,
                                   files=files)  # fmt: skip


@conversation_action
def conversation_assign(request, conversation: Conversation) -> None:
    """``target`` is ``agent:<user id>``, ``team:<id>`` or ``me``."""
    target = request.POST.get("target", "")
    if target == "me":
        actions.conversation_take_over(conversation=conversation, actor=request.user)
        return
    kind, _, ident = target.partition(":")
    if not ident.isdigit() or kind not in ("agent", "team"):
        raise ValidationError("Choose an agent or a team")
    if kind == "agent":
        profile = selectors.assignable_agents().select_related("user").filter(user_id=int(ident)).first()
        if profile is None:
            raise ValidationError("No such agent")
        actions.conversation_reassign(conversation=conversation, actor=request.user, assignee=profile.user,
                                      team=conversation.team)  # fmt: skip
    else:
        team = Team.objects.filter(pk=int(ident)).first()
        if team is None:
            raise ValidationError("No such team")
        actions.conversation_reassign(conversation=conversation, actor=request.user, assignee=None, team=team)


@conversation_action
def conversation_hand_to_ai(request, conversation: Conversation) -> None:
    actions.conversation_hand_to_ai(conversation=conversation, actor=request.user)


@conversation_action
def conversation_status(request, conversation: Conversation) -> None:
    status = request.POST.get("status", "")
    if status == Conversation.Status.SNOOZED:
        form = SnoozeForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Pick a valid wake-up time")
        wake_at = form.wake_at()
        actions.conversation_change_status(conversation=conversation, actor=request.user, status=status,
                                           snoozed_until=wake_at)  # fmt: skip
    else:
        actions.conversation_change_status(conversation=conversation, actor=request.user, status=status)


@conversation_action
def conversation_priority(request, conversation: Conversation) -> None:
    form = PriorityForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a priority")
    actions.conversation_set_priority(conversation=conversation, actor=request.user,
                                      priority=form.cleaned_data["priority"])  # fmt: skip


@conversation_action
def conversation_tags(request, conversation: Conversation) -> None:
    tags = request.POST.get("tags", "")
    actions.conversation_set_tags(conversation=conversation, actor=request.user, tags=tags.split(","))


@conversation_action
def customer_contact_point_add(request, conversation: Conversation) -> None:
    form = ContactPointForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a kind and type an address")
    try:
        customers.customer_add_contact_point(customer=conversation.customer, kind=form.cleaned_data["kind"],
                                             address=form.cleaned_data["address"], actor=request.user)  # fmt: skip
    except customers.ContactPointTaken as exc:
        request.merge_offer = exc.owner
        raise


@conversation_action
def customer_merge(request, conversation: Conversation) -> None:
    """Merge another customer (found by email, phone or #id) into this conversation's customer."""
    form = MergeForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Say which customer to merge in")
    other = _customer_lookup(form.cleaned_data["other"])
    customers.customer_merge(source=other, target=conversation.customer, actor=request.user,
                             confirm_verified=form.cleaned_data["confirm_verified"])  # fmt: skip


def _customer_lookup(text: str) -> Customer:
    text = text.strip()
    if text.startswith("#") and text[1:].isdigit():
        found = Customer.objects.filter(pk=int(text[1:])).first()
    else:
        kinds = ["email"] if "@" in text else ["phone", "whatsapp"]
        found = None
        for kind in kinds:
            try:
                address = contact_address_normalise(kind=kind, address=text)
            except ValidationError:
                continue
            point = ContactPoint.objects.select_related("customer").filter(kind=kind, address=address).first()
            if point:
                found = point.customer
                break
    if found is None:
        raise ValidationError(f"No customer matches {text!r}")
    return found


# ----- attachments, search, notifications, presence, saved filters ----------------------


@require_GET
@agent_required
def attachment_download(request, pk: int):
    """Serve a stored attachment to agents only; only safe image types display inline."""
    attachment = get_object_or_404(Attachment.objects.select_related("message__conversation"), pk=pk)
    check_conversation_see(request.user, attachment.message.conversation)
    if attachment.state != Attachment.State.STORED or not attachment.file:
        return HttpResponse("This file is not available yet", status=409, content_type="text/plain")
    inline = attachment.content_type in INLINE_IMAGE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename or f"attachment-{attachment.pk}",
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@agent_required
def search(request):
    filters = selectors.SearchFilters(
        q=request.GET.get("q", "")[:200],
        channel=request.GET.get("channel", ""),
        status=request.GET.get("status", ""),
        date_from=parse_date(request.GET.get("from", "") or "") if _is_date(request.GET.get("from")) else None,
        date_to=parse_date(request.GET.get("to", "") or "") if _is_date(request.GET.get("to")) else None,
    )
    context = {
        "filters": filters,
        "results": selectors.search(filters, user=request.user),
        "window": selectors.SEARCH_WINDOW,
        "channels": Channel.choices,
        "statuses": Conversation.Status.choices,
    }
    return render(request, "inbox/search.html", context)


def _is_date(value: str | None) -> bool:
    try:
        return bool(value) and parse_date(value) is not None
    except ValueError:
        return False


@require_GET
@agent_required
def notifications(request):
    template = "inbox/_notifications.html" if request.htmx else "inbox/notifications.html"
    return render(request, template, selectors.notifications_for(request.user))


@require_POST
@agent_required
def notifications_read(request):
    ident = request.POST.get("id", "")
    agents.notification_mark_read(user=request.user, notification_id=int(ident) if ident.isdigit() else None)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("inbox:notifications")


@require_POST
@agent_required
def presence(request):
    try:
        profile = agents.agent_presence_set(user=request.user, presence=request.POST.get("presence", ""))
    except (ValidationError, AgentProfile.DoesNotExist) as exc:
        return HttpResponseBadRequest(getattr(exc, "messages", ["You have no agent profile"])[0])
    return render(request, "inbox/_presence.html", {"presence": profile.presence})


@require_POST
@agent_required
def saved_filter_save(request):
    params = {k: request.POST.get(k, "") for k in agents.SAVED_FILTER_KEYS}
    try:
        saved = agents.saved_filter_create(user=request.user, name=request.POST.get("name", ""), params=params)
    except ValidationError as exc:
        return HttpResponseBadRequest(_reason(exc))
    return redirect(reverse("inbox:home") + "?" + _querystring(saved.params))


@require_POST
@agent_required
def saved_filter_delete(request, pk: int):
    try:
        agents.saved_filter_delete(user=request.user, saved_filter_id=pk)
    except ValidationError as exc:
        return HttpResponseBadRequest(_reason(exc))
    return redirect("inbox:home")


def _querystring(params: dict) -> str:
    return urlencode(params)
