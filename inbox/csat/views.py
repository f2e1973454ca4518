"""The page behind the one-click rating links in emails (customers, no login: the link is signed)."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from inbox.csat.answers import csat_record
from inbox.csat.services import csat_survey_from_token


@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    try:
        survey = csat_survey_from_token(token)
    except ValidationError as exc:
        return render(request, "csat/rate.html", {"error": exc.messages[0]}, status=400)
    chosen = request.POST.get("rating") or request.GET.get("rating") or ""
    rating = int(chosen) if chosen.isdigit() and 1 <= int(chosen) <= 5 else None
    saved = False
    # Only a POST records: mail scanners that follow links (GET) must not cast ratings. The page
    # submits itself with JavaScript, so for a person the link is still one click.
    if request.method == "POST":
        if rating is None:
            return render(request, "csat/rate.html", {"survey": survey, "error": "Choose 1 to 5 stars"}, status=400)
        csat_record(survey=survey, rating=rating, comment=request.POST.get("comment", ""))
        saved = True
    return render(request, "csat/rate.html", {"survey": survey, "rating": rating, "saved": saved, "token": token})
