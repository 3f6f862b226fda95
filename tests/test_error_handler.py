"""The one handler of `BilangKaryoError`: each area answers a refusal its own way, the
rest get JSON; no route catches an error only to translate it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from server.app import create_app
from server.db import DatabaseProblem
from server.error_handler import ExceptionHandler, error_handler
from server.errors import BilangKaryoError, Refused
from server.settings import Settings
from testkit.admin_client import PASSWORD, csrf_of, log_in, refusal_key


def refusing_app(server_error: ExceptionHandler | None = None) -> Starlette:
    async def busy(request: Request) -> Response:
        raise DatabaseProblem("db_busy", "the database is busy; try again in a minute")

    async def too_many(request: Request) -> Response:
        raise Refused(429, "throttled", "30")

    def staff_page(request: Request, error: BilangKaryoError) -> Response:
        return PlainTextResponse(f"staff page: {error.message_key}", error.status)

    routes = [
        Route("/api/busy", busy),
        Route("/staff/busy", busy),
        Route("/staffing/busy", busy),
        Route("/api/too-many", too_many),
    ]
    handler = error_handler({"/staff": staff_page}, server_error=server_error)
    return Starlette(routes=routes, exception_handlers={BilangKaryoError: handler})


def test_outside_every_area_a_refusal_is_json_with_its_status_key_and_headers() -> None:
    with TestClient(refusing_app()) as client:
        busy = client.get("/api/busy")
        assert busy.status_code == 503
        assert busy.json() == {
            "error": "the database is busy; try again in a minute",
            "code": "db_busy",
        }
        assert busy.headers["retry-after"] == "60"
        assert busy.headers["cache-control"] == "no-store"
        too_many = client.get("/api/too-many")
        assert too_many.status_code == 429 and too_many.headers["retry-after"] == "30"


def test_an_area_answers_its_own_refusals_and_only_its_own() -> None:
    with TestClient(refusing_app()) as client:
        inside = client.get("/staff/busy")
        assert (inside.status_code, inside.text) == (503, "staff page: refuse_db_busy")
        # A path that merely starts with the same letters is not in the area.
        beside = client.get("/staffing/busy")
        assert beside.status_code == 503 and beside.json()["code"] == "db_busy"


def test_with_an_error_page_a_server_failure_outside_the_areas_keeps_its_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def error_page(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Maaf, ada gangguan", 500)

    with TestClient(refusing_app(error_page)) as client:
        busy = client.get("/api/busy")
        assert (busy.status_code, busy.text) == (500, "Maaf, ada gangguan")
        assert "the database is busy" in caplog.text  # in the log, for the IT staff
        # A refusal (4xx) still says what was wrong.
        assert client.get("/api/too-many").json()["code"] == "throttled"


@pytest.fixture
def signed_in(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    app.fallback.state.admin.accounts.add("budi", PASSWORD, "test")  # type: ignore[attr-defined]
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert log_in(client).status_code == 200
        yield client


def test_a_refusal_in_the_admin_is_its_page_for_the_signed_in_account(
    signed_in: TestClient,
) -> None:
    # The reorder form refuses a position that is not a number, past the guide pages.
    response = signed_in.post(
        "/admin/reorder",
        data={"csrf": csrf_of(signed_in), "order_izin-tinggal": "pertama"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert refusal_key(response.text) == "bad_order"
    assert "data-account" in response.text  # the page knows who is signed in
    assert response.headers["cache-control"] == "no-store"


def test_a_forged_sign_out_is_refused_with_the_page_and_nothing_ends(
    signed_in: TestClient,
) -> None:
    response = signed_in.post("/admin/logout", data={"csrf": "forged"})
    assert response.status_code == 403 and refusal_key(response.text) == "csrf"
    assert "data-account" in response.text
    assert signed_in.get("/admin/", follow_redirects=False).status_code == 200
