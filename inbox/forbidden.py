"""The 403 answer: always says why (the PermissionDenied message); htmx gets just the sentence."""

from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils.html import escape


def permission_denied(request, exception=None):
    reason = str(exception or "") or "You may not open this page"
    if getattr(request, "htmx", False):
        return HttpResponseForbidden(f'<p class="error" role="alert">{escape(reason)}</p>')
    return render(request, "403.html", {"exception": reason}, status=403)
