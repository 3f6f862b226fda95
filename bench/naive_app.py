"""The baseline: a naive Starlette app that serves a folder with `StaticFiles`, nothing more."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles


def create_app() -> Starlette:
    root = os.environ["BENCH_STATIC_ROOT"]
    return Starlette(routes=[Mount("/", app=StaticFiles(directory=root, html=True))])
