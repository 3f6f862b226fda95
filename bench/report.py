"""The bench's report: JSON with every figure, and Markdown with the targets table first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.steps import OK, StepResult

KB = 1000
# Issue 15: ours at least this share of the uvicorn floor, and this p99, at 50 connections.
FLOOR_BUDGET = 0.85
P99_BUDGET_MS = 5.0
PAGES = ("/", "guide page")


def dig(data: Any, *keys: str) -> Any:
    """`data[k1][k2]...`, or None where a key is missing or a figure is not available."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    if isinstance(data, dict) and "reason" in data and "status" in data:
        return None
    return data


def _why(data: Any, *keys: str) -> str:
    """Why a figure is missing: the recorded reason, or 'not measured'."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return "not measured"
        data = data[key]
        if isinstance(data, dict) and "reason" in data and "status" in data:
            return f"{data['status']}: {data['reason']}"
    return "not measured"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def _rps(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} req/s"


def guide_text_rows(figures: dict[str, Any]) -> list[list[str]]:
    """The text version's three budgets (issue 12)."""
    size = dig(figures, "guide_text", "page_size", "largest_on_the_wire")
    first = dig(figures, "guide_text", "first_text") or {}
    making = dig(figures, "guide_text", "making_text") or {}
    return [
        [
            "guide page with its text, on the wire (largest)",
            "≤ 12 KB",
            f"{size / KB:.1f} KB" if size is not None else "n/a",
            "-",
            _verdict(None if size is None else size <= 12 * KB),
        ],
        [
            "/?src=qr → tap → first section text, 400 kbps / 400 ms / CPU 4x, cold",
            "≤ 3.0 s",
            f"{first['first_text_median']} s median, {first['first_text_worst']} s worst "
            f"({first['runs']} runs; tap at {first['tap_at_median']} s)"
            if first
            else "n/a",
            "-",
            _verdict(first.get("within_budget")),
        ],
        [
            "making the text of a 10-page guide",
            "≤ 2 s",
            f"{making['seconds_with_child_median']} s median, {making['seconds_with_child_worst']}"
            f" s worst; OCR {making['ocr_seconds_per_page_median']} s a scanned page"
            if making
            else "n/a",
            "-",
            _verdict(making.get("within_budget")),
        ],
    ]


def target_rows(figures: dict[str, Any]) -> list[list[str]]:
    """One row per target of issue 6: what, target, measured, nginx in the same run, verdict."""
    urls = dig(figures, "throughput", "urls") or {}
    rows: list[list[str]] = []

    def server(label: str, name: str, key: str) -> float | None:
        value = dig(urls, label, "servers", name, key)
        return float(value) if value is not None else None

    # The uvicorn floor first: what our own per-request path costs (issue 15).
    for label in ("landing page /", "guide PDF", "large guide PDF (2 MiB, generated)"):
        ratio = dig(urls, label, "ratio_vs_floor")
        ours = server(label, "bilang-karyo", "requests_per_second")
        floor = server(label, "uvicorn floor", "requests_per_second")
        measured = f"{ratio}x ({_rps(ours)})" if ratio is not None else _why(urls, label)
        verdict = _verdict(None if ratio is None else ratio >= FLOOR_BUDGET)
        rows.append(
            [
                f"{label} req/s vs uvicorn floor",
                f"≥ {FLOOR_BUDGET}x",
                measured,
                f"floor: {_rps(floor)}",
                verdict,
            ]
        )
    for label, target, minimum in (
        ("landing page /", "≥ 0.35x (aim 0.5x)", 0.35),
        ("guide PDF", "≥ 0.6x", 0.6),
        ("large guide PDF (2 MiB, generated)", "≥ 0.6x", 0.6),
    ):
        ratio = dig(urls, label, "ratio_vs_nginx")
        ours = server(label, "bilang-karyo", "requests_per_second")
        nginx = server(label, "nginx", "requests_per_second")
        measured = f"{ratio}x ({_rps(ours)})" if ratio is not None else _why(urls, label)
        verdict = _verdict(None if ratio is None else ratio >= minimum)
        if label == "landing page /" and ratio is not None and ratio >= minimum:
            verdict += " (aim 0.5x: " + ("met)" if ratio >= 0.5 else "not yet)")
        rows.append([f"{label} req/s vs nginx", target, measured, _rps(nginx), verdict])

    naive_landing = dig(urls, "landing page /", "ratio_vs_naive")
    naive_pdf = dig(urls, "guide PDF", "ratio_vs_naive")
    naive_ok = None
    if naive_landing is not None and naive_pdf is not None:
        naive_ok = naive_landing >= 10 and naive_pdf >= 10
    rows.append(
        [
            "vs naive StaticFiles (landing, PDF)",
            "≥ 10x on both",
            f"{naive_landing}x, {naive_pdf}x",
            "naive: "
            f"{_rps(server('landing page /', 'naive StaticFiles', 'requests_per_second'))}, "
            f"{_rps(server('guide PDF', 'naive StaticFiles', 'requests_per_second'))}",
            _verdict(naive_ok),
        ]
    )

    connections = dig(figures, "throughput", "wrk", "connections")
    for label in ("landing page /", "guide PDF", "large guide PDF (2 MiB, generated)"):
        p99 = server(label, "bilang-karyo", "p99_ms")
        nginx_p99 = server(label, "nginx", "p99_ms")
        floor_p99 = server(label, "uvicorn floor", "p99_ms")
        rows.append(
            [
                f"p99 latency, {label} ({connections} connections)",
                f"≤ {P99_BUDGET_MS:g} ms at 50 connections",
                f"{p99:.2f} ms" if p99 is not None else _why(urls, label),
                (f"{nginx_p99:.2f} ms" if nginx_p99 is not None else "n/a")
                + (f"; floor {floor_p99:.2f} ms" if floor_p99 is not None else ""),
                _verdict(None if p99 is None else p99 <= P99_BUDGET_MS),
            ]
        )

    rss = dig(figures, "memory", "sample guides", "peak_rss_mb_after_load")
    nginx_rss = dig(figures, "throughput", "peak_rss_mb_after_load", "nginx worker(s)")
    rows.append(
        [
            "peak RSS, sample guides",
            "≤ 100 MB",
            f"{rss} MB" if rss is not None else "n/a",
            f"{nginx_rss} MB (master + worker)" if nginx_rss is not None else "n/a",
            _verdict(None if rss is None else rss <= 100),
        ]
    )

    visit = dig(figures, "download", "first_visit", "page_load", "bytes_without_pdfs")
    with_sw = dig(
        figures, "download", "first_visit", "with_service_worker_install", "bytes_without_pdfs"
    )
    measured = f"{visit / KB:.1f} KB page load" if visit is not None else "n/a"
    verdict = _verdict(None if visit is None else visit <= 30 * KB)
    if with_sw is not None:
        measured += f"; {with_sw / KB:.1f} KB with the service worker's precache"
        verdict += f" / {_verdict(with_sw <= 30 * KB)} with precache"
    else:
        measured += (
            f"; precache: {_why(figures, 'download', 'first_visit', 'with_service_worker_install')}"
        )
    rows.append(["first visit, compressed, PDFs aside", "≤ 30 KB", measured, "-", verdict])

    rows += guide_text_rows(figures)

    drop = dig(figures, "catalog", "dropped PDF until served")
    rows.append(
        [
            "dropped PDF → served",
            "≤ 2 s",
            f"{drop['median_seconds']} s median, {drop['max_seconds']} s max "
            f"({drop['pdf_bytes'] / 1e6:.1f} MB PDF)"
            if drop
            else "n/a",
            "-",
            _verdict(None if not drop else drop["max_seconds"] <= 2),
        ]
    )

    for page in PAGES:
        scores = dig(figures, "lighthouse", page, "scores")
        ok = None
        if scores:
            ok = scores["performance"] >= 95 and all(
                scores[c] == 100 for c in ("accessibility", "best-practices", "seo")
            )
        rows.append(
            [
                f"Lighthouse mobile, {page}",
                "perf ≥ 95; a11y, best practices, SEO 100",
                "{performance} / {accessibility} / {best-practices} / {seo}".format(**scores)
                if scores
                else _why(figures, "lighthouse", page),
                "-",
                _verdict(ok),
            ]
        )
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def _throughput_table(figures: dict[str, Any]) -> str:
    rows = []
    for label, data in (dig(figures, "throughput", "urls") or {}).items():
        if "servers" not in data:
            rows.append([label, _why(figures, "throughput", "urls", label)] + [""] * 12)
            continue
        servers = data["servers"]
        cells = [label, f"{data['body_bytes']:,} ({data['content_encoding']})"]
        cells += [
            f"{data['ratio_vs_floor']}x",
            f"{data['ratio_vs_nginx']}x",
            f"{data['ratio_vs_naive']}x",
        ]
        for name in ("bilang-karyo", "uvicorn floor", "nginx", "naive StaticFiles"):
            s = servers[name]
            cells += [f"{s['requests_per_second']:,.0f}", f"{s['p50_ms']:.2f} / {s['p99_ms']:.2f}"]
        rows.append(cells)
    header = [
        "URL",
        "body bytes",
        "ours/floor",
        "ours/nginx",
        "ours/naive",
        "ours req/s",
        "ours p50/p99 ms",
        "floor req/s",
        "floor p50/p99 ms",
        "nginx req/s",
        "nginx p50/p99 ms",
        "naive req/s",
        "naive p50/p99 ms",
    ]
    return _table(header, rows)


def _scaling_table(figures: dict[str, Any]) -> str:
    rows = []
    for workers, by_url in (dig(figures, "scaling") or {}).items():
        for label, data in by_url.items():
            floor = data.get("uvicorn floor")
            rows.append(
                [
                    workers,
                    label,
                    f"{data['ratio_vs_floor']}x" if "ratio_vs_floor" in data else "n/a",
                    f"{data['ratio_vs_nginx']}x",
                    f"{data['bilang-karyo']['requests_per_second']:,.0f}",
                    f"{data['bilang-karyo']['p99_ms']:.2f}",
                    f"{floor['requests_per_second']:,.0f}" if floor else "n/a",
                    f"{floor['p99_ms']:.2f}" if floor else "n/a",
                    f"{data['nginx']['requests_per_second']:,.0f}",
                    f"{data['nginx']['p99_ms']:.2f}",
                ]
            )
    header = [
        "workers",
        "URL",
        "ours/floor",
        "ours/nginx",
        "ours req/s",
        "ours p99 ms",
        "floor req/s",
        "floor p99 ms",
        "nginx req/s",
        "nginx p99 ms",
    ]
    return _table(header, rows)


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value} MB"


def _memory_table(figures: dict[str, Any]) -> str:
    rows = []
    for label, data in (dig(figures, "memory") or {}).items():
        rows.append(
            [
                label,
                f"{data['startup_seconds']} s",
                f"{data['peak_rss_mb_after_start']} MB",
                f"{data['peak_rss_mb_after_load']} MB",
                f"{data['rss_mb_at_end']} MB",
                _mb(data.get("render_child_peak_rss_mb")),
                f"{data['paths_answering_200']}/{data['paths_fetched']}",
            ]
        )
    header = [
        "guides",
        "start-up",
        "peak RSS after start",
        "peak RSS after load",
        "RSS at the end",
        "render child's peak",
        "paths 200",
    ]
    return _table(header, rows)


def _value(figure: Any, unit: str) -> str:
    if isinstance(figure, dict) and "reason" in figure:
        return f"{figure['status']}: {figure['reason']}"
    return "n/a" if figure is None else f"{figure}{unit}"


def _catalog_lines(figures: dict[str, Any]) -> list[str]:
    catalog = dig(figures, "catalog") or {}
    lines = []
    drop = catalog.get("dropped PDF until served")
    if drop:
        lines.append(
            f"- Dropped PDF ({drop['pdf_bytes'] / 1e6:.1f} MB) until served: median "
            f"{drop['median_seconds']} s, max {drop['max_seconds']} s over {drop['drops']} drops."
        )
    publish = catalog.get("publish")
    if isinstance(publish, dict) and "command_seconds" in publish:
        lines.append(
            f"- Publish of a {publish['pdf_bytes'] / 1e6:.1f} MB PDF: command "
            f"{publish['command_seconds']} s, served after {publish['served_seconds']} s, "
            f"reader pages after {_value(publish['reader_pages_seconds'], ' s')}."
        )
    elif publish is not None:
        lines.append(f"- Publish: {_value(publish, '')}.")
    for key, start in catalog.items():
        if key.startswith("start with"):
            first = start["first start (empty data folder)"]
            again = start["restart"]
            lines.append(
                f"- Start with {start['guides']} guides of {start['pdf_bytes_each'] / 1e6:.1f} MB "
                f"(launch until /healthz lists them all): first start {first['seconds']} s, "
                f"every reader page rendered after "
                f"{_value(first.get('reader_pages_seconds'), ' s')}; "
                f"restart {again['seconds']} s."
            )
    return lines


def _download_lines(figures: dict[str, Any]) -> list[str]:
    download = dig(figures, "download") or {}
    lines = []
    visit = download.get("first_visit", {})
    load = dig(visit, "page_load")
    if load:
        lines.append(
            f"- First visit to / (real Chromium, bytes on the wire incl. headers): "
            f"{load['bytes_without_pdfs']:,} B until the load event, PDFs aside."
        )
    sw = dig(visit, "with_service_worker_install")
    lines.append(
        "- With the service worker installed and its precache done: "
        + (
            f"{sw['bytes_without_pdfs']:,} B, PDFs aside ({sw['bytes_total']:,} B in all)."
            if sw
            else _why(visit, "with_service_worker_install") + "."
        )
    )
    pre = dig(download, "shell_precache")
    lines.append(
        "- Shell precache list in /sw.js: "
        + (
            f"{pre['entries']} entries, {pre['body_bytes']:,} B of compressed bodies "
            f"({pre['bytes_with_headers']:,} B with headers); "
            f"sw.js itself {pre['sw_js_bytes']:,} B."
            if pre
            else _why(download, "shell_precache") + "."
        )
    )
    save = dig(visit, "save_all")
    expected = download.get("save_all_expected")
    lines.append(
        '- "Save all guides": '
        + (
            f"{save['bytes_total']:,} B measured in the browser ("
            + ", ".join(f"{kind} {size:,} B" for kind, size in save["by_kind"].items())
            + ")"
            if save
            else _why(visit, "save_all")
        )
        + (
            f"; the catalog lists {expected['files']} files, {expected['pdf_bytes']:,} B of "
            f"PDFs, and {expected['reader_pages']} reader pages, "
            f"{expected['reader_page_bytes']:,} B."
            if expected
            else "."
        )
    )
    if visit.get("page_errors"):
        lines.append(f"- Page errors seen: {visit['page_errors']}")
    if load and sw:
        rows = [
            [path, f"{load['by_path'].get(path, 0):,}", f"{total:,}"]
            for path, total in sorted(sw["by_path"].items(), key=lambda item: -item[1])
        ]
        lines += [
            "",
            "Bytes per URL on the first visit (a URL fetched by the page and again by the "
            "service worker's precache counts twice):",
            "",
            _table(["URL", "until load", "with precache"], rows),
        ]
    return lines


def _lighthouse_table(figures: dict[str, Any]) -> str:
    rows = []
    for page in PAGES:
        data = dig(figures, "lighthouse", page)
        if not data:
            continue
        s, m = data["scores"], data["metrics"]
        rows.append(
            [
                f"{page} ({data['path']})",
                str(s["performance"]),
                str(s["accessibility"]),
                str(s["best-practices"]),
                str(s["seo"]),
                f"{m['first-contentful-paint']:.0f} ms",
                f"{m['largest-contentful-paint']:.0f} ms",
                f"{m['total-blocking-time']:.0f} ms",
                f"{m['cumulative-layout-shift']:.3f}",
            ]
        )
    header = ["page", "perf", "a11y", "best pr.", "SEO", "FCP", "LCP", "TBT", "CLS"]
    lines = [_table(header, rows), ""]
    for page in PAGES:
        data = dig(figures, "lighthouse", page)
        if not data:
            continue
        runs = ", ".join(str(run["performance"]) for run in data["runs"])
        missed = "; ".join(
            f"{category}: {', '.join(audits)}"
            for category, audits in data["missed_audits"].items()
            if audits
        )
        lines.append(
            f"- {page}: performance per run {runs}; audits short of full marks "
            f"(last run): {missed or 'none'}."
        )
    return "\n".join(lines)


def render_markdown(run: dict[str, Any]) -> str:
    machine = run["machine"]
    figures = {step["name"]: step["figures"] for step in run["steps"]}
    wrk = dig(figures, "throughput", "wrk") or {}
    out = [
        f"# Bilang Karyo benchmark ({'quick' if run['quick'] else 'full'} run)",
        "",
        f"Run {run['date']} on {machine['cpu']} ({machine['cores']} cores, "
        f"{machine['memory_gb']} GB), {machine['os']}; commit {machine['commit']}.",
        f"Python {machine['python']}, uvicorn {machine['uvicorn']} (uvloop, httptools with our "
        f"request-head guard, no access log), nginx {machine['nginx']}, {machine['wrk']}, "
        f"Lighthouse {machine['lighthouse']}, {machine['chromium']}.",
        "",
        f"wrk -t{wrk.get('threads')} -c{wrk.get('connections')} -d{wrk.get('seconds')}s, "
        f"median of {wrk.get('runs')} runs, all on 127.0.0.1; wrk shares the machine's cores "
        "with the server, so ratios within this run matter more than absolute figures.",
        "",
        "## Targets",
        "",
        _table(["what", "target", "measured", "nginx (same run)", "verdict"], target_rows(figures)),
        "",
        "## Throughput and latency",
        "",
        "Every server sends the same bytes: nginx and the naive app serve files copied from "
        "our responses (compressed where we compress, for `Accept-Encoding: gzip, deflate, br, "
        "zstd`). nginx also sends our headers; the naive `StaticFiles` app sends the bytes as "
        "they are. The *uvicorn floor* is a trivial ASGI app (bench/floor_app.py) that answers "
        "each path with our exact headers and bytes from a dict, under the same uvicorn, loop "
        "and protocol class as ours (server/http_guard.py's GuardedHttpToolsProtocol, as the "
        "naive app too): no app on it can be faster, so ours/floor, the first ratio of every "
        "row, is what our own per-request path costs. Ours is measured once its reader pages "
        "are made, so no background rendering is in the figures.",
        "",
        _throughput_table(figures),
        "",
        "## Scaling",
        "",
        _scaling_table(figures),
        "",
        "## Memory (peak RSS, VmHWM)",
        "",
        _memory_table(figures),
        "",
        "## Catalog work",
        "",
        *_catalog_lines(figures),
        "",
        "## What the phone downloads",
        "",
        *_download_lines(figures),
        "",
        "## Lighthouse (mobile preset, median score)",
        "",
        _lighthouse_table(figures),
        "",
        "## Steps",
        "",
        _table(
            ["step", "status", "seconds", "note"],
            [
                [
                    s["title"],
                    s["status"],
                    f"{s['seconds']:.1f}",
                    "" if s["status"] == OK else s["reason"].splitlines()[-1],
                ]
                for s in run["steps"]
            ],
        ),
        "",
    ]
    return "\n".join(out)


def write_reports(run: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    from server.storage.atomic import write_atomically

    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = run["date"].replace(":", "").replace("-", "")[:15]
    json_path = out_dir / f"bench-{stamp}.json"
    md_path = out_dir / f"bench-{stamp}.md"
    write_atomically(json_path, json.dumps(run, indent=1).encode())
    write_atomically(md_path, render_markdown(run).encode())
    write_atomically(out_dir / "latest.json", json.dumps(run, indent=1).encode())
    write_atomically(out_dir / "latest.md", render_markdown(run).encode())
    return json_path, md_path


def steps_as_dicts(results: list[StepResult]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in results]
