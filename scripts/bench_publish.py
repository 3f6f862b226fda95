"""Measures how long publishing a 10 MB PDF takes, by each path Tikkim uses.

Usage: python scripts/bench_publish.py [--runs 5] [--mb 10]

- API: `Publisher.publish`: validate, store, write guides/ and the catalog, record.
- CLI: `bilang-karyo publish` as a new process, start to exit.
- Admin: an upload to a running server over loopback HTTP, from the first byte sent
  until `/api/guides` serves the new sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx2
from fpdf import FPDF
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.publish import Publisher  # noqa: E402
from testkit.server import start_server  # noqa: E402

PASSWORD = "kata-sandi-bench-1"


def noise_pdf(megabytes: float, seed: int) -> bytes:
    """Pages of random pixels, which no compression shrinks: a realistic scanned guide."""
    rng = random.Random(seed)
    pdf = FPDF()
    pages = 5
    side = math.isqrt(int(megabytes * 1024 * 1024) // (3 * pages)) + 1
    for _ in range(pages):
        pdf.add_page()
        pixels = Image.frombytes("RGB", (side, side), rng.randbytes(3 * side * side))
        pdf.image(pixels, w=180)
    return bytes(pdf.output())


def fresh_site(work: Path) -> tuple[Path, Path]:
    guides = work / "guides"
    shutil.copytree(ROOT / "guides", guides, ignore=shutil.ignore_patterns("README.md"))
    shutil.copy(ROOT / "office.toml", work / "office.toml")
    return guides, work / "data"


def bench_api(pdfs: list[bytes]) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        guides, data = fresh_site(Path(tmp))
        publisher = Publisher(guides, data, max_bytes=64 * 1024 * 1024)
        for pdf in pdfs:
            start = time.perf_counter()
            publisher.publish("antrian-paspor", "id", io.BytesIO(pdf), "bench")
            times.append(time.perf_counter() - start)
    return times


def bench_cli(pdfs: list[bytes]) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        guides, data = fresh_site(Path(tmp))
        for number, pdf in enumerate(pdfs):
            path = Path(tmp) / f"v{number}.pdf"
            path.write_bytes(pdf)
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "server.cli",
                    "publish",
                    str(path),
                    "--guide",
                    "antrian-paspor",
                    "--lang",
                    "id",
                    "--guides",
                    str(guides),
                    "--data",
                    str(data),
                ],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
            times.append(time.perf_counter() - start)
    return times


def bench_admin(pdfs: list[bytes]) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        guides, data = fresh_site(Path(tmp))
        subprocess.run(
            [sys.executable, "-m", "server.cli", "user", "add", "bench", "--data", str(data)],
            input=PASSWORD.encode(),
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        server = start_server(
            guides,
            Path(tmp) / "office.toml",
            data,
            Path(tmp) / "log",
            extra_env={"BILANG_KARYO_MAX_UPLOAD_MB": "64"},
        )
        try:
            with httpx2.Client(base_url=server.url, timeout=60) as web:
                page = web.get("/admin/login").text
                token = re.search(r'name="token" value="([^"]+)"', page)
                assert token
                web.post(
                    "/admin/login", data={"token": token[1], "name": "bench", "password": PASSWORD}
                )
                csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/admin/").text)
                assert csrf
                for pdf in pdfs:
                    digest = hashlib.sha256(pdf).hexdigest()
                    start = time.perf_counter()
                    response = web.post(
                        "/admin/guides/antrian-paspor/upload",
                        data={"csrf": csrf[1], "lang": "id"},
                        files={"file": ("baru.pdf", pdf, "application/pdf")},
                    )
                    assert response.status_code in (200, 303), response.text[:500]
                    while served(server.url) != digest:
                        time.sleep(0.005)
                    times.append(time.perf_counter() - start)
        finally:
            server.stop()
    return times


def served(url: str) -> str:
    with urllib.request.urlopen(url + "/api/guides", timeout=10) as response:
        guides = json.load(response)["guides"]
    return str(next(g for g in guides if g["slug"] == "antrian-paspor")["files"]["id"]["sha256"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mb", type=float, default=10)
    args = parser.parse_args()
    pdfs = [noise_pdf(args.mb, seed) for seed in range(args.runs)]
    sizes = sorted(len(pdf) for pdf in pdfs)
    print(f"{args.runs} different PDFs of {sizes[0] / 2**20:.1f}-{sizes[-1] / 2**20:.1f} MiB")
    for name, bench in (("API", bench_api), ("CLI", bench_cli), ("admin", bench_admin)):
        times = bench(pdfs)
        print(
            f"{name:>6}: median {statistics.median(times) * 1000:.0f} ms, "
            f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
