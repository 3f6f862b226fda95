"""Admin: the text version of a guide's current file, and the review of a text read by OCR."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.admin.context import Admin, Refused, run, staff
from server.admin.sessions import Session
from server.guide_text import GuideText, TextStore, sections


def text_routes(admin: Admin) -> list[Route]:
    def current(request: Request) -> tuple[str, str, str, TextStore]:
        slug, lang = request.path_params["slug"], request.path_params["lang"]
        if lang not in admin.live.languages:
            raise Refused(404, "unknown_guide", f"{slug} ({lang})")
        version = admin.publisher.versions.current(slug, lang)
        texts = admin.live.texts
        if version is None or texts is None:
            raise Refused(404, "unknown_guide", f"{slug} ({lang})")
        return slug, lang, version.sha256, texts

    async def show(request: Request, session: Session) -> Response:
        slug, lang, sha256, texts = await run(current, request)
        state = await run(texts.state, sha256)
        text: GuideText | None = await run(texts.ocr, sha256)
        if text is None:
            text = await run(texts.layer, sha256)
        entry = await run(admin.publisher.entry, slug)
        title = entry.title[lang] if entry is not None and lang in entry.title else slug
        return admin.page(
            "admin/text.html",
            session,
            slug=slug,
            lang=lang,
            sha256=sha256,
            state=state,
            text=text,
            sections=sections(text, title) if text is not None else [],
            review=await run(texts.review, sha256),
            done=request.query_params.get("done") == "approved",
        )

    async def approve(request: Request, session: Session) -> Response:
        form = await admin.checked_form(request, session, 16 * 1024)
        await form.close()
        slug, lang, sha256, texts = await run(current, request)
        await run(texts.approve, sha256, session.account)  # refused: TextError, 409
        await run(
            admin.audit.record,
            session.account,
            "approve_text",
            guide=slug,
            lang=lang,
            new_sha256=sha256,
            detail="OCR",
        )
        await run(admin.live.rebuild)
        return admin.redirect(f"/admin/guides/{slug}/text/{lang}?done=approved")

    return [
        Route("/guides/{slug}/text/{lang}", staff(admin, show)),
        Route("/guides/{slug}/text/{lang}/approve", staff(admin, approve), methods=["POST"]),
    ]
