import json
import smtplib
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from channels_app.email.addresses import support_address
from channels_app.simulator.mailbox import customer_email_send, mailbox_messages
from channels_app.widget.tokens import identity_hash
from inbox.models import ContactKind, ContactPoint


def demo_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEMO_SIMULATOR:
            raise Http404("The customer simulator runs only in the demo")
        return view(request, *args, **kwargs)

    return wrapper


@demo_only
def store(request):
    """A pretend customer website that embeds the widget exactly like any other site would."""
    identity = {}
    email = request.GET.get("customer", "").strip().lower()
    if email and settings.WIDGET_IDENTITY_SECRET:
        identity = {"email": email, "name": request.GET.get("name", ""), "hash": identity_hash(email)}
    demo_customer = (
        ContactPoint.objects.filter(kind=ContactKind.EMAIL).select_related("customer").order_by("pk").first()
    )
    context = {
        "widget_src": request.build_absolute_uri(static("widget/widget.js")),
        "identity": identity,
        "demo_customer": demo_customer if settings.WIDGET_IDENTITY_SECRET else None,
    }
    return render(request, "simulator/store.html", context)


@demo_only
def home(request):
    return render(request, "simulator/home.html", {"support_address": support_address()})


@demo_only
@require_http_methods(["GET", "POST"])
def email(request):
    """Write as an email customer and read the replies the demo SMTP sink caught."""
    address = (request.POST.get("from_address") or request.GET.get("as") or "").strip().lower()
    if request.method == "POST":
        try:
            validate_email(address)
            customer_email_send(
                from_address=address,
                from_name=request.POST.get("from_name", "").strip(),
                to=request.POST.get("to") or support_address(),
                subject=request.POST.get("subject", "").strip() or "(no subject)",
                body=request.POST.get("body", ""),
                in_reply_to=request.POST.get("in_reply_to", ""),
                references=request.POST.get("references", ""),
                quoted=request.POST.get("quoted", ""),
            )
        except ValidationError:
            messages.error(request, "Enter the customer's email address first.")
        except (OSError, smtplib.SMTPException) as exc:
            messages.error(request, f"The inbound SMTP receiver did not take the email: {exc}")
        else:
            messages.success(request, "Sent. It arrives in the agents' inbox in a moment.")
        return redirect(f"{reverse('simulator:email')}?as={address}")
    mailbox = mailbox_messages(address=address) if address else []
    for mail in mailbox:  # what "Reply" needs, as an (auto-escaped) data attribute
        fields = ("subject", "message_id", "references", "reply_to", "text")
        mail["reply_json"] = json.dumps({key: mail[key] for key in fields})
    context = {
        "address": address,
        "mailbox": mailbox,
        "support_address": support_address(),
    }
    template = "simulator/_mailbox.html" if request.htmx else "simulator/email.html"
    return render(request, template, context)
