"""The real stack for benchmarks: embedded PostgreSQL and Redis in their own folder, daphne
processes and a Celery worker started as `make run` starts them."""

import os
import resource
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import psutil

from config.embedded import EmbeddedServers
from tests.net import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


class Stack:
    """Servers and processes for one benchmark run; stop() leaves nothing behind."""

    def __init__(self, var_dir: Path, *, web_processes: int = 1, workers: int = 1) -> None:
        self.servers = EmbeddedServers(var_dir)
        self.web_processes, self.workers = web_processes, workers
        self.procs: dict[str, subprocess.Popen] = {}
        self.web_ports: list[int] = []
        self.log_dir = var_dir / "bench-logs"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.servers.postgres_url("inbox_bench"),
            "REDIS_URL": self.servers.redis_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "bench-only-secret-key",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        self.servers.acquire()
        self.servers._ensure_database("inbox_bench")
        os.environ.update({k: v for k, v in self.env.items() if k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")})
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        for i in range(self.web_processes):
            port = free_port()
            self._spawn(f"web{i}", ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"])
            self.web_ports.append(port)
        for i in range(self.workers):
            self._spawn(f"worker{i}", ["-m", "celery", "-A", "config", "worker", "-l", "WARNING", "-c", "2",
                                       "--hostname", f"bench{i}@%h"])  # fmt: skip
        for i, port in enumerate(self.web_ports):
            wait_for_port(port, self.procs[f"web{i}"], timeout=60, name=f"web{i}")

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env, stdout=log, stderr=log)

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each process, children (Celery's pool) included."""
        sizes = {}
        for name, proc in self.procs.items():
            try:
                parent = psutil.Process(proc.pid)
                sizes[name] = sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)]) / 2**20
            except psutil.NoSuchProcess:
                sizes[name] = 0.0
        return sizes

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.servers.release()


def fd_limit_raise(needed: int) -> None:
    """1000 sockets need more than the common 1024 descriptors; raise the soft limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


@contextmanager
def running_stack(var_dir: Path, **kwargs):
    stack = Stack(var_dir, **kwargs)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
