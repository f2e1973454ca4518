"""Benchmark results: JSON for machines, a table for people, an HTML page with charts."""

import json
import statistics
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


def write(results: dict, out: Path, vendor_chart_js: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "bench.json"
    json_path.write_text(json.dumps(results, indent=2, default=str))
    html_path = out / "bench.html"
    charts = []
    for name, section in results.get("sections", {}).items():
        chart = section.get("chart")
        if chart:
            charts.append({"id": name, "title": section.get("title", name), **chart})
    html_path.write_text(
        "<!doctype html><meta charset=utf-8><title>Support inbox benchmark</title>"
        "<style>body{font-family:system-ui;max-width:980px;margin:2rem auto}canvas{margin-bottom:2rem}"
        "pre{background:#f6f7f9;padding:1rem}</style>"
        f"<h1>Support inbox benchmark</h1><p>{results.get('machine', '')}</p>"
        + "".join(f"<h2>{c['title']}</h2><canvas id='{c['id']}' height='110'></canvas>" for c in charts)
        + f"<h2>Tables</h2><pre>{results.get('text', '')}</pre>"
        + f"<script>{vendor_chart_js.read_text()}</script><script>const charts={json.dumps(charts)};"
        "for(const c of charts){new Chart(document.getElementById(c.id),{type:c.type||'line',"
        "data:{labels:c.labels,datasets:c.datasets},options:{animation:false,scales:{y:{beginAtZero:true,"
        "title:{display:true,text:c.y||''}},x:{title:{display:true,text:c.x||''}}}}})}</script>"
    )
    return json_path, html_path
