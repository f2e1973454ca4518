"""Inbox pages and search at growing volume: server time through the real views and query count."""

import subprocess
import sys

from django.contrib.auth import get_user_model
from django.db import connection

from inbox.management.commands.inbox_benchmark import pages_measure
from inbox.models import AgentProfile, Conversation, Message
from tests.bench.report import percentiles
from tests.bench.stack import ROOT


def _grow_to(stack, conversations: int) -> None:
    missing = conversations - Conversation.objects.count()
    if missing > 0:
        print(f"Generating {missing:,} conversations (about 10 messages each)")
        subprocess.run(
            [sys.executable, "manage.py", "inbox_generate", "--conversations", str(missing), "--messages", "10"],
            cwd=ROOT, env=stack.env, check=True,
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would soon give


def run(stack, sizes: list[int], runs: int) -> dict:
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    AgentProfile.objects.get_or_create(user=user)
    rows = []
    for size in sizes:
        _grow_to(stack, size)
        messages = Message.objects.count()
        pages_measure(user, 1)  # warm caches, as a running server's would be
        for page in pages_measure(user, runs):
            stats = percentiles(page["samples"])
            rows.append({"conversations": size, "messages": messages, "page": page["page"],
                         "p50": stats["p50"], "p95": stats["p95"], "queries": page["queries"]})  # fmt: skip
    pages = list(dict.fromkeys(r["page"] for r in rows))
    return {
        "title": f"Inbox pages and search (ms server time, {runs} runs each, as an agent)",
        "rows": rows,
        "chart": {
            "type": "bar",
            "labels": pages,
            "x": "page",
            "y": "p95 ms",
            "datasets": [
                {"label": f"{size:,} conversations", "data": [r["p95"] for r in rows if r["conversations"] == size]}
                for size in sizes
            ],
        },
    }
