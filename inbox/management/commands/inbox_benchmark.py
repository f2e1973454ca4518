"""Time the inbox pages on whatever data is loaded (pair with inbox_generate).

    python manage.py inbox_benchmark --runs 5

Renders through the real views (RequestFactory, an agent user) and reports the median
time and the query count of each page.
"""

import statistics
import time
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_htmx.middleware import HtmxDetails

from inbox import views
from inbox.models import AgentProfile, Conversation, Message
from inbox.selectors import ListQuery, conversation_page, conversations_visible


def pages_measure(user, runs: int) -> list[dict]:
    """Each main inbox page rendered ``runs`` times through its real view, as ``user``:
    [{"page", "samples" (ms), "queries"}]. Used by this command and by `make bench`."""
    busy = conversations_visible(user).order_by("-pk").first()  # one this user may open
    second = conversation_page(user=user, query=ListQuery(sort="newest"), limit=50).next_cursor
    pages = [
        ("inbox, all open, waiting longest", views.home, "/", {}, {}),
        ("inbox, newest", views.home, "/", {"sort": "newest"}, {}),
        ("inbox, priority", views.home, "/", {"sort": "priority"}, {}),
        ("inbox, resolved", views.home, "/", {"view": "resolved", "sort": "newest"}, {}),
        ("list page 2 (keyset)", views.conversation_list, "/list/", {"sort": "newest", "cursor": second}, {}),
        ("sidebar counts", views.sidebar, "/sidebar/", {}, {}),
        ("conversation page", views.conversation_detail, f"/conversations/{busy.pk}/", {}, {"pk": busy.pk}),
        ("search 'zipper' (common)", views.search, "/search/", {"q": "zipper"}, {}),
        ("search 'canada duties'", views.search, "/search/", {"q": "canada duties"}, {}),
        ("search email prefix", views.search, "/search/", {"q": "gen4242@"}, {}),
    ]
    factory = RequestFactory()
    results = []
    for label, view, path, params, kwargs in pages:
        timings, queries = [], 0
        for _ in range(runs):
            request = factory.get(f"{path}?{urlencode(params)}")
            request.user = user
            request.htmx = HtmxDetails(request)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = view(request, **kwargs)
                timings.append((time.perf_counter() - start) * 1000)
            queries = len(captured.captured_queries)
            if response.status_code != 200:
                raise CommandError(f"{label}: HTTP {response.status_code}")
        results.append({"page": label, "samples": timings, "queries": queries})
    return results


class Command(BaseCommand):
    help = "Median render time and query count of the main inbox pages."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--user", default="", help="Username to measure as (default: the first agent)")

    def handle(self, *args, runs: int, **options):
        first_agent = AgentProfile.objects.order_by("pk").values("user_id")[:1]
        user = get_user_model().objects.filter(pk=first_agent).first()
        if options["user"]:  # e.g. a team agent: lists filtered by the visibility policy
            user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError("No such agent: create one (or load the demo) and pass --user")
        self.stdout.write(f"as {user.get_username()}\n")
        self.stdout.write(f"{Conversation.objects.count():,} conversations, {Message.objects.count():,} messages\n")
        for row in pages_measure(user, runs):
            timings = row["samples"]
            self.stdout.write(f"{row['page']:<34} median {statistics.median(timings):7.1f} ms   "
                              f"max {max(timings):7.1f} ms   {row['queries']:>2} queries")  # fmt: skip
