"""The embedded server manager, on its own folder of real servers."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psycopg
import pytest
import redis

from config.embedded import EmbeddedServers


@pytest.fixture(scope="module")
def servers():
    # Module-scoped, so not the function-scoped server_tmp_path (tests/conftest.py); same reason.
    folder = Path(tempfile.mkdtemp(prefix="inbox-embedded-test-"))
    s = EmbeddedServers(folder / "var")
    yield s
    s._live_leases()  # prune
    with s._locked():
        s._stop_unlocked()
    shutil.rmtree(folder, ignore_errors=True)


def _works(s: EmbeddedServers) -> bool:
    with psycopg.connect(s.postgres_url()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    return redis.Redis.from_url(s.redis_url()).ping()


def test_acquire_starts_both_servers_and_release_stops_them(servers):
    servers.acquire()
    status = servers.status()
    assert status.running and status.leases == [str(os.getpid())]
    assert _works(servers)

    servers.release()
    assert servers.status().postgres_pid is None and servers.status().redis_pid is None


def test_a_second_start_reuses_the_data_and_the_running_servers(servers):
    servers.acquire()
    with psycopg.connect(servers.postgres_url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (v int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    pid = servers.status().postgres_pid

    other = EmbeddedServers(servers.var)  # another process's view of the same folder
    other.acquire()
    assert other.status().postgres_pid == pid  # reused, not restarted
    servers.release()
    other.release()

    servers.acquire()  # a fresh start keeps the data
    with psycopg.connect(servers.postgres_url()) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (42,)
    servers.release()


def test_the_last_lease_stops_and_a_dead_holder_does_not_count(servers):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from config.embedded import EmbeddedServers
            EmbeddedServers({str(servers.var)!r}).acquire()
            print("ready", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd(),
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "ready"
    servers.acquire()
    servers.release()
    assert servers.status().running, "the other process still holds a lease"

    holder.send_signal(signal.SIGKILL)  # its lease is left behind, naming a dead pid
    holder.wait()
    servers.acquire()
    servers.release()
    assert not servers.status().running


def test_a_killed_run_is_recovered_from(servers):
    servers.acquire()
    status = servers.status()
    os.kill(status.postgres_pid, signal.SIGKILL)
    os.kill(status.redis_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while servers.status().postgres_pid and time.monotonic() < deadline:
        time.sleep(0.05)
    # postmaster.pid and redis.pid still name the dead processes, and stale leases remain.
    assert (servers.pgdata / "postmaster.pid").exists()
    servers._own_lease = None

    again = EmbeddedServers(servers.var)
    again.acquire()
    assert again.status().running
    assert _works(again)
    again.release()
    assert not again.status().running
