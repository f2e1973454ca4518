"""Inbox pages at size: list, conversation and search server time and query count.

Data comes from `manage.py inbox_generate` (COPY); timings from `inbox_pages_time`, the same
code `manage.py inbox_benchmark` prints, so both always measure the same pages. Sizes grow
in place (10k, then 90k more), so the second size costs only the difference.
"""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from inbox.management.commands.inbox_benchmark import inbox_pages_time
from inbox.models import AgentProfile, Conversation, Message

PLOTTED = {"inbox, all open, waiting longest": "list p95", "conversation page": "conversation p95",
           "search 'zipper' (common)": "search p95", "sidebar counts": "sidebar p95"}  # fmt: skip


def _data_reset() -> None:
    """Start from no conversations: a previous run's data would make the small size a big one."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE inbox_customer, inbox_conversation, inbox_message, inbox_contactpoint CASCADE")


def run(sizes: list[int], messages: int, runs: int, *, keep_data: bool = False) -> dict:
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    AgentProfile.objects.get_or_create(user=user)
    if not keep_data:
        _data_reset()
    rows = []
    for size in sizes:
        missing = size - Conversation.objects.count()
        if missing > 0:
            call_command("inbox_generate", conversations=missing, messages=messages)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE inbox_conversation")  # what autovacuum does soon after a bulk load
            cursor.execute("ANALYZE inbox_message")
        total = Message.objects.count()
        rows += [{"conversations": size, "messages": total, **row} for row in inbox_pages_time(runs=runs)]
    return {
        "title": f"Inbox pages, server time in ms ({runs} renders each) and SQL queries per page",
        "rows": rows,
        "chart": {"labels": sizes, "x": "conversations", "y": "ms, p95",
                  "datasets": [{"label": name, "data": [r["p95"] for r in rows if r["page"] == page]}
                               for page, name in PLOTTED.items()]},
    }  # fmt: skip
