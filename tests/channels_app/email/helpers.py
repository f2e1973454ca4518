from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"


def fixture(name: str, **replacements: str) -> bytes:
    """A sample email file, with ``{PLACEHOLDER}`` parts filled in."""
    raw = (FIXTURES / name).read_bytes()
    for key, value in replacements.items():
        raw = raw.replace(f"{{{key}}}".encode(), value.encode())
    return raw
