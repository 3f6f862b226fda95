"""The shipped deploy/nginx.conf, run by the real nginx in front of live servers, with TLS."""

from __future__ import annotations

import re
import ssl
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.servers import Running, start_nginx
from server.settings import PROJECT_ROOT
from testkit.server import free_port

NGINX_EXAMPLE = PROJECT_ROOT / "deploy" / "nginx.conf"
EXAMPLE_ROOT = "/infokanimjogja"


@dataclass
class Proxy:
    """nginx on two loopback ports: HTTPS (`url`) and the plain-HTTP redirect (`http_url`)."""

    process: Running
    https_port: int
    http_port: int

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        self.process.stop()


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, as the office's real one is for its domain."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def site_blocks(
    example: str, https_port: int, http_port: int, cert: Path, key: Path, sites: dict[str, int]
) -> str:
    """The example with only what a test machine must change: ports, certificate, upstreams.

    `sites` maps each root path to its app's port; a root other than the example's is a
    copy of its upstream and location blocks with the name changed, as a second office
    on the same host would write it.
    """
    text = example
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", text)
    upstream = re.search(r"upstream bilang_karyo_infokanimjogja \{.*?\n\}\n", text, re.S)
    locations = re.search(
        r"    # The address without.*?\n    \}\n\n    location .*?\n    \}\n", text, re.S
    )
    assert upstream and locations, "deploy/nginx.conf lost its upstream or location blocks"
    upstreams, location_blocks = [], []
    for root, port in sites.items():
        name = root.strip("/")
        own_upstream = upstream.group(0).replace("infokanimjogja", name)
        upstreams.append(own_upstream.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
        location_blocks.append(locations.group(0).replace("infokanimjogja", name))
    text = text.replace(upstream.group(0), "\n".join(upstreams))
    text = text.replace(locations.group(0), "\n".join(location_blocks))
    return text


def nginx_config(config_dir: Path, sites_text: str) -> str:
    temp = config_dir / "temp"
    return f"""worker_processes 1;
pid {config_dir}/nginx.pid;
error_log {config_dir}/error.log;
events {{
    worker_connections 256;
}}
http {{
    access_log off;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{sites_text}
}}
"""


@contextmanager
def nginx_in_front(folder: Path, sites: dict[str, int]) -> Iterator[Proxy]:
    """deploy/nginx.conf proxying each root path in `sites` to its app's port."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_cert(folder)
    https_port, http_port = free_port(), free_port()
    blocks = site_blocks(
        NGINX_EXAMPLE.read_text(encoding="utf-8"), https_port, http_port, cert, key, sites
    )
    process = start_nginx(folder, nginx_config(folder, blocks), http_port, folder / "nginx.log")
    proxy = Proxy(process, https_port, http_port)
    try:
        yield proxy
    finally:
        proxy.stop()


def insecure_context() -> ssl.SSLContext:
    """Trusts the test's self-signed certificate (and nothing else matters on loopback)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request through the proxy, redirects not followed; header names in lower case."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPSHandler(context=insecure_context())
    )
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers.items()), error.read()


def _lower(items: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}
