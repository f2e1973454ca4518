import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_static_build_succeeds(tmp_path):
    """collectstatic with the hashed manifest storage fails on any missing reference (e.g. a source map)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "static-build-check",
        "DEBUG": "false",
        "DATABASE_URL": "postgres://unused@localhost/unused",
        "REDIS_URL": "redis://localhost:6379/0",
    }
    code = f"from django.conf import settings; settings.STATIC_ROOT = {str(tmp_path)!r}"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}; from django.core.management import "
         "call_command; call_command('collectstatic', '--noinput', verbosity=0)"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").exists()


def test_pages_name_their_icon_so_browsers_stop_asking_for_favicon_ico(client, db):
    page = client.get("/accounts/login/").content.decode()
    href = page.split('rel="icon" href="', 1)[1].split('"', 1)[0]
    icon = client.get(href)
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
