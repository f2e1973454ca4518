"""Time the inbox pages on whatever data is loaded (pair with inbox_generate).

    python manage.py inbox_benchmark --runs 5

Renders through the real views (RequestFactory, an agent user) and reports the median
time and the query count of each page.
"""

import statistics
import time
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_htmx.middleware import HtmxDetails

from inbox import views
from inbox.models import AgentProfile, Conversation, Message
from inbox.selectors import ListQuery, conversation_page


class Command(BaseCommand):
    help = "Median render time and query count of the main inbox pages."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)

    def handle(self, *args, runs: int, **options):
        self.stdout.write(f"{Conversation.objects.count():,} conversations, {Message.objects.count():,} messages\n")
        for row in inbox_pages_time(runs=runs):
            self.stdout.write(f"{row['page']:<34} median {row['p50']:7.1f} ms   "
                              f"max {row['max']:7.1f} ms   {row['queries']:>2} queries")  # fmt: skip


def inbox_pages_time(*, runs: int) -> list[dict]:
    """Each main page rendered ``runs`` times by an agent: p50/p95/max ms and its query count (make bench too)."""
    user = get_user_model().objects.get(pk=AgentProfile.objects.order_by("pk").values("user_id")[:1])
    busy = Conversation.objects.order_by("-pk").first()
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
    rows = []
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
            assert response.status_code == 200, (label, response.status_code)
        timings.sort()
        rows.append({"page": label, "p50": round(statistics.median(timings), 1),
                     "p95": round(timings[min(len(timings) - 1, int(0.95 * len(timings)))], 1),
                     "max": round(timings[-1], 1), "queries": queries})  # fmt: skip
    return rows
