"""Copies of our responses as files, so nginx and the naive app serve the very same bytes."""

from __future__ import annotations

from pathlib import Path

from bench.servers import Response

# Headers that each server sets for itself (or that describe the connection).
_OWN_HEADERS = {
    "date",
    "server",
    "content-length",
    "content-type",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "etag",
    "last-modified",
    "accept-ranges",
}


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_config(
    snapshots: dict[str, Response], config_dir: Path, port: int, workers: int = 1
) -> str:
    """An nginx config answering each snapshot's path with its exact body and headers.

    Files are written under `config_dir/files`. nginx gets the usual static-file
    tuning (sendfile, open_file_cache, long keep-alive), so it is a fair baseline.
    """
    files = config_dir / "files"
    files.mkdir(parents=True, exist_ok=True)
    locations = []
    for number, (path, response) in enumerate(sorted(snapshots.items())):
        body_file = files / str(number)
        body_file.write_bytes(response.body)
        # try_files rather than alias: "/" and "/en/" would otherwise be taken as folders.
        lines = [f"        location = {path} {{", f"            try_files /files/{number} =404;"]
        content_type = response.header("content-type") or "application/octet-stream"
        lines.append(f"            default_type {_quoted(content_type)};")
        for name, value in response.headers:
            if name.lower() not in _OWN_HEADERS:
                lines.append(f"            add_header {name} {_quoted(value)};")
        lines.append("        }")
        locations.append("\n".join(lines))
    temp = config_dir / "temp"
    return f"""worker_processes {workers};
pid {config_dir}/nginx.pid;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    open_file_cache max=1000 inactive=60s;
    types {{ }}
    default_type application/octet-stream;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {config_dir};
{chr(10).join(locations)}
        location / {{
            return 404;
        }}
    }}
}}
"""


def static_folder(snapshots: dict[str, Response], root: Path) -> Path:
    """The snapshots' bodies as plain files for `StaticFiles(html=True)`.

    "/" and "/en/" become index.html files; everything else keeps its path.
    The naive app sends these bytes as they are, without our headers.
    """
    for path, response in snapshots.items():
        relative = path.lstrip("/")
        target = root / (relative + "index.html" if path.endswith("/") else relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(response.body)
    return root
