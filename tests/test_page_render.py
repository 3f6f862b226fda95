"""The render child: its output to the server, its errors, and its end when the server dies."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from server.reader import MANIFEST, PEAK_PREFIX
from testkit.pdfs import make_pdf


def run_child(pdf: bytes, out_dir: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "server.page_render", str(out_dir)],
        input=pdf,
        capture_output=True,
        timeout=60,
    )


def test_it_reports_each_page_then_its_peak_memory(tmp_path: Path) -> None:
    result = run_child(make_pdf(pages=2), tmp_path)
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 0, result.stderr
    assert lines[:3] == ["0 2", "1 2", "2 2"]
    assert lines[3].startswith(PEAK_PREFIX + " ") and int(lines[3].split()[1]) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.webp", "2.webp", MANIFEST]


def test_a_pdf_it_cannot_read_is_an_error_on_stderr(tmp_path: Path) -> None:
    result = run_child(b"%PDF-1.4 not really", tmp_path)
    assert result.returncode == 1
    assert result.stderr.decode().strip()
    assert not (tmp_path / MANIFEST).exists()


def test_it_stops_when_the_server_that_started_it_is_killed(tmp_path: Path) -> None:
    """A server killed mid-render must not leave pdfium working for nobody: the child's next
    progress line finds the pipe to its server closed, and it ends there."""
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(make_pdf(pages=200))
    out = tmp_path / "out"
    out.mkdir()
    server = textwrap.dedent(
        f"""
        import subprocess, sys, time
        child = subprocess.Popen(
            [sys.executable, "-m", "server.page_render", {str(out)!r}],
            stdin=open({str(pdf)!r}, "rb"), stdout=subprocess.PIPE,
        )
        child.stdout.readline()  # it has started on the pages
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", server], stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            child_pid = int(parent.stdout.readline())
        finally:
            parent.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while is_running(child_pid):
        assert time.monotonic() < deadline, "the render child went on after its server died"
        time.sleep(0.05)
    assert not (out / MANIFEST).exists()


def is_running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    # Orphans are re-parented; where nothing reaps them, a finished one stays a zombie.
    return "\nState:\tZ" not in status
