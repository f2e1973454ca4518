"""Benchmark results: JSON for machines, a table for people, an HTML page with charts."""

import json
import statistics
from html import escape
from pathlib import Path


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"n": len(ordered), "p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2),
            "mean": round(statistics.fmean(ordered), 2)}  # fmt: skip


def table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    line = " | ".join(c.ljust(widths[c]) for c in columns)
    rule = "-+-".join("-" * widths[c] for c in columns)
    body = "\n".join(" | ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows)
    return f"{line}\n{rule}\n{body}"


COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"]


def svg_chart(chart: dict, width: int = 640, height: int = 260) -> str:
    """A dependency-free line chart: one polyline per dataset over categorical x labels."""
    labels = chart["labels"]
    values = [v for d in chart["datasets"] for v in d["data"] if isinstance(v, int | float)]
    if not labels or not values:
        return ""
    top = max(values) * 1.1 or 1
    left, right, up, down = 60, 150, 15, 40
    w, h = width - left - right, height - up - down

    def x(i: int) -> float:
        return left + (w * i / (len(labels) - 1) if len(labels) > 1 else w / 2)

    def y(v: float) -> float:
        return up + h - h * v / top

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-size='11'>",
             f"<line x1='{left}' y1='{up + h}' x2='{left + w}' y2='{up + h}' stroke='#999'/>",
             f"<line x1='{left}' y1='{up}' x2='{left}' y2='{up + h}' stroke='#999'/>"]  # fmt: skip
    for k in range(5):
        v = top * k / 4
        parts.append(f"<text x='{left - 6}' y='{y(v) + 4:.0f}' text-anchor='end'>{v:.0f}</text>")
        parts.append(f"<line x1='{left}' y1='{y(v):.0f}' x2='{left + w}' y2='{y(v):.0f}' stroke='#eee'/>")
    for i, label in enumerate(labels):
        parts.append(f"<text x='{x(i):.0f}' y='{up + h + 16}' text-anchor='middle'>{escape(str(label))}</text>")
    parts.append(
        f"<text x='{left + w / 2:.0f}' y='{height - 4}' text-anchor='middle'>{escape(chart.get('x', ''))}</text>"
    )
    parts.append(f"<text x='12' y='{up + h / 2:.0f}' transform='rotate(-90 12 {up + h / 2:.0f})' "
                 f"text-anchor='middle'>{escape(chart.get('y', ''))}</text>")  # fmt: skip
    for n, dataset in enumerate(chart["datasets"]):
        colour = COLOURS[n % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(dataset["data"]) if isinstance(v, int | float)]
        parts.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' "
                     f"points='{' '.join(f'{a:.0f},{b:.0f}' for a, b in points)}'/>")  # fmt: skip
        parts += [f"<circle cx='{a:.0f}' cy='{b:.0f}' r='3' fill='{colour}'/>" for a, b in points]
        parts.append(f"<rect x='{left + w + 15}' y='{up + 16 * n}' width='10' height='10' fill='{colour}'/>")
        parts.append(f"<text x='{left + w + 30}' y='{up + 16 * n + 9}'>{escape(dataset['label'])}</text>")
    if chart.get("target") is not None:
        t = chart["target"]
        parts.append(f"<line x1='{left}' y1='{y(t):.0f}' x2='{left + w}' y2='{y(t):.0f}' stroke='#f59e0b' "
                     f"stroke-dasharray='5 4'/><text x='{left + w - 4}' y='{y(t) - 4:.0f}' text-anchor='end' "
                     f"fill='#b45309'>target {t:g}</text>")  # fmt: skip
    return "".join(parts) + "</svg>"


def write(results: dict, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "bench.json"
    json_path.write_text(json.dumps(results, indent=2, default=str))
    html_path = out / "bench.html"
    charts = "".join(
        f"<h2>{escape(section.get('title', name))}</h2>{svg_chart(section['chart'])}"
        for name, section in results.get("sections", {}).items()
        if section.get("chart")
    )
    html_path.write_text(
        "<!doctype html><meta charset=utf-8><title>Support inbox benchmark</title>"
        "<style>body{font-family:system-ui;max-width:980px;margin:2rem auto}svg{margin-bottom:1rem}"
        "pre{background:#f6f7f9;padding:1rem;overflow-x:auto}</style>"
        f"<h1>Support inbox benchmark</h1><p>{escape(results.get('machine', ''))} · {results.get('started', '')}</p>"
        f"<h2>Targets</h2><pre>{escape(results.get('targets_text', ''))}</pre>{charts}"
        f"<h2>Tables</h2><pre>{escape(results.get('text', ''))}</pre>"
    )
    return json_path, html_path
