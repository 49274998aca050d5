"""``/forms/<matter_code>``: the demo application form a hand-off link opens.

* ``GET /forms/<matter_code>?guide=…&region=…&applicant_type=…`` — the form, pre-filled;
* ``POST /forms/<matter_code>?…`` — a receipt saying nothing was submitted (the form is a demo);
* ``GET /forms/static/forms.css`` — its style sheet.

An unknown matter or guide gets a 404 page that says which; a missing catalogue gets a 503 page;
neither shows a traceback. The pages carry a strict Content-Security-Policy: they need no script.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from channels.forms.lookup import FormNotFound, FormTarget, resolve
from channels.forms.page import form_page, not_found_page, submitted_page, unavailable_page
from daofu.config import Settings
from knowledge.errors import CatalogError
from knowledge.forms import read_prefill
from knowledge.repository import Catalog

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _html(page: str, status: int = 200) -> HTTPResponse:
    return response.html(page, status=status, headers=SECURITY_HEADERS)


def forms_blueprint(settings: Settings, catalog: Catalog) -> Blueprint:
    bp = Blueprint("forms", url_prefix="/forms")

    async def target_for(request: Request, matter_code: str) -> FormTarget | HTTPResponse:
        guide_id = request.args.get("guide") or None
        region = request.args.get("region") or None
        lookup = partial(resolve, catalog, settings, matter_code, guide_id, region)
        try:
            return await asyncio.get_running_loop().run_in_executor(None, lookup)
        except FormNotFound as exc:
            log.info("form page for %s (guide %s): not found", matter_code, guide_id)
            return _html(not_found_page(str(exc)), status=404)
        except CatalogError as exc:
            log.error("form page for %s: catalogue unavailable: %s", matter_code, exc)
            return _html(unavailable_page(), status=503)

    @bp.get("/static/forms.css")
    async def stylesheet(request: Request) -> HTTPResponse:
        return await response.file(STATIC_DIR / "forms.css", mime_type="text/css; charset=utf-8")

    @bp.get("/<matter_code:str>")
    async def show_form(request: Request, matter_code: str) -> HTTPResponse:
        target = await target_for(request, matter_code)
        if isinstance(target, HTTPResponse):
            return target
        prefill = read_prefill(request.args)
        log.info(
            "form page for %s opened (guide %s, %d pre-filled)",
            matter_code,
            target.guide.id,
            len(prefill.known) + len(prefill.extra),
        )
        action = request.path + (f"?{request.query_string}" if request.query_string else "")
        return _html(form_page(target, prefill, action))

    @bp.post("/<matter_code:str>")
    async def submit_form(request: Request, matter_code: str) -> HTTPResponse:
        # A demo: nothing of what was typed is read, stored or logged.
        target = await target_for(request, matter_code)
        if isinstance(target, HTTPResponse):
            return target
        log.info("demo form for %s submitted (discarded)", matter_code)
        return _html(submitted_page(target))

    return bp
