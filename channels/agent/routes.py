"""The agent console's routes: the page at ``/agent`` and its JSON API under ``/api/agent``.

Every API route but ``status`` needs ``Authorization: Bearer <token>`` (tokens from
``DAOFU_AGENT_TOKENS``, or the local token ``daofu run`` made under var/); without one it answers
401, and 503 when no tokens are configured. Lookups (search, guide opened, SMS text, link sent) are
written to the lookup log with the agent's id; queries and phone numbers are masked first.

The SMS text and the link of a matter run per district are refused (409) until the agent says
which district the caller is in, and then only for that district's guide.

Takeover (:class:`~channels.takeover.TakeoverDesk`): ``POST /handoffs/{id}`` takes (or closes) a
hand-off, ``GET /handoffs/{id}/transcript`` reads the conversation (masked), ``POST
/handoffs/{id}/messages`` writes to the citizen, ``POST /handoffs/{id}/release`` gives the
conversation back to the assistant. Call-back requests: ``GET /callbacks``, ``POST /callbacks/{id}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sanic import Blueprint, Request, response
from sanic.exceptions import BadRequest
from sanic.response import HTTPResponse

from channels.agent.config import AgentDirectory
from channels.agent.districts import guide_for_district, per_district
from channels.agent.lookup_log import LookupLog
from channels.agent.report import ReportError, parse_month, summarise
from channels.agent.sms import MAX_SMS_CHARS, sms_text
from channels.agent.views import callback_json, handoff_json, search_json
from channels.http import BadArgument, error_response, int_arg, json_response
from channels.takeover import MAX_AGENT_TEXT_CHARS, TakeoverDesk
from daofu.errors import DaofuError
from daofu.masking import mask_pii, valid_phone
from daofu.records import HANDOFF_STATES, CallbackStatus, ConversationRecords, HandoffConflict, HandoffStatus
from daofu.report.figures import month_figures
from indexer.search import MAX_TOP_K, Searcher, UnknownRegionError
from knowledge.errors import CatalogError
from knowledge.records import RegionLevel
from knowledge.render import guide_json
from knowledge.repository import Catalog, Guide

log = logging.getLogger(__name__)

T = TypeVar("T")
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"agent.js": "text/javascript; charset=utf-8", "agent.css": "text/css; charset=utf-8"}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
OPEN_STATES = (HandoffStatus.OPEN, HandoffStatus.TAKEN)
AGENT_STATES = (HandoffStatus.TAKEN, HandoffStatus.CLOSED)
MAX_QUERY_CHARS = 500
MAX_RECORD_ID = 2**62  # ids beyond what a database integer holds are not ids of anything
STATUS_PATH = "/api/agent/status"  # tells the page whether to offer a login; needs no token


@dataclass
class AgentBackend:
    """What the console reads and writes; the searcher loads when first needed."""

    directory: AgentDirectory
    catalog: Catalog
    searcher: Callable[[], Searcher]
    records: ConversationRecords
    lookups: LookupLog
    desk: TakeoverDesk | None = None  # None: the queue lists, nobody can take over (tests of the rest)


async def _blocking(call: Callable[[], T]) -> T:
    """Run a database or search call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, call)


def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except BadRequest:
        return None
    if body is None:
        return {}
    return body if isinstance(body, dict) else None


def _bearer(request: Request) -> str:
    """The bearer token, or "" (agent tokens are printable ASCII; anything else is no token)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.isascii() or not token.isprintable() or len(token) > 512:
        return ""
    return token


def page_blueprint() -> Blueprint:
    bp = Blueprint("agent_page")
    page = (STATIC_DIR / "agent.html").read_text(encoding="utf-8")

    @bp.get("/agent")
    async def console(request: Request) -> HTTPResponse:
        return response.html(page, headers=PAGE_HEADERS)

    @bp.get("/agent/static/<name:str>")
    async def static(request: Request, name: str) -> HTTPResponse:
        content_type = STATIC_TYPES.get(name)
        if content_type is None:
            return error_response(f"no console file {name!r}", 404)
        return await response.file(STATIC_DIR / name, mime_type=content_type, headers=PAGE_HEADERS)

    return bp


def api_blueprint(backend: AgentBackend) -> Blueprint:
    bp = Blueprint("agent_api", url_prefix="/api/agent")
    directory = backend.directory

    @bp.on_request
    async def authenticate(request: Request) -> HTTPResponse | None:
        if not directory.configured:
            return error_response(f"the agent console is not configured: {directory.problem}", 503)
        if request.path == STATUS_PATH:
            return None
        token = _bearer(request)
        if not token:
            return json_response(
                {"error": "send the agent token as 'Authorization: Bearer <token>'"},
                status=401, headers={"WWW-Authenticate": 'Bearer realm="agent"'},
            )  # fmt: skip
        agent_id = directory.agent_for(token)
        if agent_id is None:
            log.warning("agent API: refused a request with an unknown token (%s %s)", request.method, request.path)
            return json_response(
                {"error": "the agent token is not valid; log in again with the token you were given"},
                status=401, headers={"WWW-Authenticate": 'Bearer realm="agent", error="invalid_token"'},
            )  # fmt: skip
        request.ctx.agent_id = agent_id
        return None

    async def guide_or_404(guide_id: str) -> Guide | HTTPResponse:
        try:
            guide = await _blocking(partial(backend.catalog.guide, guide_id))
        except CatalogError as exc:
            log.error("agent API: catalogue unavailable: %s", exc)
            return error_response("the catalogue is unavailable; try again shortly", 503)
        if guide is None:
            return error_response(f"no guide with id {guide_id!r}", 404)
        return guide

    def district_problem(guide: Guide, region_name: str | None) -> HTTPResponse | None:
        """409 when the matter is run per district and the caller's district is not this guide's."""
        guides = backend.catalog.guides_for_matter(guide.matter.code)
        if not per_district(guides):
            return None
        if not region_name:
            return json_response(
                {"error": f"「{guide.name}」由各区县分别办理：请先选择来电人所在的区县。", "needs_region": True},
                status=409,
            )
        region = backend.catalog.region_by_name(region_name)
        if region is None:
            return error_response(f"region {region_name!r} is not a Ningbo district or county", 400)
        chosen = guide_for_district(guides, region)
        if chosen is not None and chosen.id != guide.id:
            return json_response(
                {"error": f"这份指南是{guide.region.name}的，来电人在{region.name}：请打开{region.name}的指南。",
                 "needs_region": True, "guide_id": chosen.id},
                status=409,
            )  # fmt: skip
        return None

    def matter_names(codes: set[str]) -> dict[str, str]:
        try:
            matters = {code: backend.catalog.matter(code) for code in codes}
        except CatalogError:
            return {}  # the queue still works without names
        return {code: matter.name for code, matter in matters.items() if matter is not None}

    def query_arg(request: Request) -> str | None:
        value = request.args.get("q")
        return value[:MAX_QUERY_CHARS] if value else None

    @bp.get("/status")
    async def status(request: Request) -> HTTPResponse:
        return json_response({"configured": True})

    @bp.get("/me")
    async def me(request: Request) -> HTTPResponse:
        return json_response({"agent_id": request.ctx.agent_id})

    @bp.get("/regions")
    async def regions(request: Request) -> HTTPResponse:
        try:
            places = await _blocking(backend.catalog.regions)
        except CatalogError as exc:
            log.error("agent API: catalogue unavailable: %s", exc)
            return error_response("the catalogue is unavailable; try again shortly", 503)
        districts = [{"code": p.code, "name": p.name} for p in places if p.level == RegionLevel.DISTRICT]
        return json_response({"regions": districts})

    @bp.get("/search")
    async def search(request: Request) -> HTTPResponse:
        query = request.args.get("q", "").strip()
        if not query:
            return error_response("missing parameter q (what the caller wants to do)", 400)
        if len(query) > MAX_QUERY_CHARS:
            return error_response(f"q is longer than {MAX_QUERY_CHARS} characters", 400)
        try:
            top_k = int_arg(request.args, "top_k", 10, 1, MAX_TOP_K)
        except BadArgument as exc:
            return error_response(str(exc), 400)
        region = request.args.get("region", "").strip() or None
        try:
            searcher = await _blocking(backend.searcher)
        except DaofuError as exc:
            log.error("agent API: the search index is unavailable: %s", exc)
            return error_response("the search index is unavailable; try again shortly", 503)
        try:
            result = await _blocking(partial(searcher.search, query, region=region, top_k=top_k))
        except UnknownRegionError as exc:
            return error_response(str(exc), 400)
        hits = 0 if result.no_match else len(result.hits)
        await _blocking(partial(backend.lookups.record, request.ctx.agent_id, "search", query=query, region=region,
                                hits=hits))  # fmt: skip
        return json_response(search_json(result))

    @bp.get("/guides/<guide_id:str>")
    async def guide_detail(request: Request, guide_id: str) -> HTTPResponse:
        guide = await guide_or_404(guide_id)
        if isinstance(guide, HTTPResponse):
            return guide
        await _blocking(partial(backend.lookups.record, request.ctx.agent_id, "view", query=query_arg(request),
                                guide_id=guide.id, matter_code=guide.matter.code))  # fmt: skip
        shown = guide_json(guide)
        shown["per_district"] = await _blocking(
            lambda: per_district(backend.catalog.guides_for_matter(guide.matter.code))
        )
        return json_response(shown)

    @bp.get("/matters/<matter_code:str>/guide")
    async def guide_of_district(request: Request, matter_code: str) -> HTTPResponse:
        region_name = request.args.get("region", "").strip()
        region = await _blocking(partial(backend.catalog.region_by_name, region_name)) if region_name else None
        if region is None:
            return error_response("region must name a Ningbo district or county, e.g. 鄞州区", 400)
        guides = await _blocking(partial(backend.catalog.guides_for_matter, matter_code))
        if not guides:
            return error_response(f"no matter with code {matter_code!r}", 404)
        guide = guide_for_district(guides, region)
        if guide is None:
            return error_response(f"{region.name} has no guide for this matter", 404)
        await _blocking(partial(backend.lookups.record, request.ctx.agent_id, "view", query=query_arg(request),
                                region=region.name, guide_id=guide.id, matter_code=matter_code))  # fmt: skip
        shown = guide_json(guide)
        shown["per_district"] = per_district(guides)
        return json_response(shown)

    @bp.get("/guides/<guide_id:str>/sms")
    async def guide_sms(request: Request, guide_id: str) -> HTTPResponse:
        guide = await guide_or_404(guide_id)
        if isinstance(guide, HTTPResponse):
            return guide
        problem = await _blocking(partial(district_problem, guide, request.args.get("region", "").strip() or None))
        if problem is not None:
            return problem
        text = sms_text(guide)
        await _blocking(partial(backend.lookups.record, request.ctx.agent_id, "sms", query=query_arg(request),
                                guide_id=guide.id, matter_code=guide.matter.code))  # fmt: skip
        return json_response(
            {"guide_id": guide.id, "region": guide.region.name, "text": text, "length": len(text),
             "limit": MAX_SMS_CHARS, "link": guide.form_url}
        )  # fmt: skip

    @bp.post("/guides/<guide_id:str>/send-link")
    async def send_link(request: Request, guide_id: str) -> HTTPResponse:
        body = _body(request)
        if body is None:
            return error_response('send JSON like {"phone": "13800000000"} (phone is optional)', 400)
        phone = body.get("phone")
        if phone is not None and not isinstance(phone, str):
            return error_response("phone must be a string", 400)
        phone = (phone or "").strip() or None
        if phone is not None and not valid_phone(phone):
            return error_response("phone must be a mobile (11 digits from 13…19) or a landline with area code", 400)
        query = body.get("q") if isinstance(body.get("q"), str) else None
        region_name = body.get("region") if isinstance(body.get("region"), str) else None
        guide = await guide_or_404(guide_id)
        if isinstance(guide, HTTPResponse):
            return guide
        problem = await _blocking(partial(district_problem, guide, (region_name or "").strip() or None))
        if problem is not None:
            return problem
        text = sms_text(guide)
        entry = await _blocking(partial(backend.lookups.record, request.ctx.agent_id, "send_link", query=query,
                                        guide_id=guide.id, matter_code=guide.matter.code, phone=phone))  # fmt: skip
        return json_response(
            {
                "recorded": True,
                "id": entry.id,
                "guide_id": guide.id,
                "region": guide.region.name,
                "phone": mask_pii(phone) if phone else None,
                "link": guide.form_url,
                "sms": text,
                "note": "演示系统未接入短信网关：已记录发送，未真正发出短信。",
            }
        )

    @bp.get("/handoffs")
    async def handoffs(request: Request) -> HTTPResponse:
        wanted = request.args.get("status", "active")
        states = OPEN_STATES if wanted == "active" else (wanted,)
        if any(state not in HANDOFF_STATES for state in states):
            return error_response("status must be active (open and taken), open, taken or closed", 400)
        records = backend.records
        found = []
        for state in states:
            found.extend(await _blocking(partial(records.handoffs, state)))
        # Waiting ones first, the longest wait on top; then the ones agents hold.
        found.sort(key=lambda handoff: (handoff.status != HandoffStatus.OPEN, handoff.created_at, handoff.id))
        names = await _blocking(partial(matter_names, {h.matter_code for h in found if h.matter_code}))
        now = datetime.now(UTC)
        listed = [handoff_json(h, names.get(h.matter_code or ""), now) for h in found]
        waiting = [item for item in listed if item["status"] == HandoffStatus.OPEN]
        for position, item in enumerate(waiting, 1):
            item["position"] = position
        return json_response({"status": wanted, "now": now.isoformat(), "handoffs": listed})

    def no_desk() -> HTTPResponse:
        return error_response("takeover is not available in this service", 503)

    async def held_or_error(call: Callable[[], Any]) -> Any:
        try:
            return await call()
        except LookupError as exc:
            return error_response(str(exc), 404)
        except HandoffConflict as exc:
            return error_response(str(exc), 409)

    @bp.post("/handoffs/<handoff_id:int>")
    async def update_handoff(request: Request, handoff_id: int) -> HTTPResponse:
        if not 0 < handoff_id < MAX_RECORD_ID:
            return error_response(f"no hand-off with id {handoff_id}", 404)
        body = _body(request)
        status = body.get("status") if body else None
        if status not in AGENT_STATES:
            return error_response('send JSON like {"status": "taken"} or {"status": "closed"}', 400)
        agent_id = request.ctx.agent_id
        if backend.desk is None:
            try:
                handoff = await _blocking(partial(backend.records.update_handoff, handoff_id, status, agent_id))
            except LookupError:
                return error_response(f"no hand-off with id {handoff_id}", 404)
        else:
            desk = backend.desk
            action = desk.take if status == HandoffStatus.TAKEN else desk.close
            handoff = await held_or_error(partial(action, handoff_id, agent_id))
            if isinstance(handoff, HTTPResponse):
                return handoff
        log.info("agent %s: hand-off %d %s", agent_id, handoff_id, status)
        return json_response(handoff_json(handoff))

    @bp.get("/handoffs/<handoff_id:int>/transcript")
    async def transcript(request: Request, handoff_id: int) -> HTTPResponse:
        if not 0 < handoff_id < MAX_RECORD_ID:
            return error_response(f"no hand-off with id {handoff_id}", 404)
        if backend.desk is None:
            return no_desk()
        handoff = await _blocking(partial(backend.records.handoff, handoff_id))
        if handoff is None:
            return error_response(f"no hand-off with id {handoff_id}", 404)
        try:
            lines = await backend.desk.transcript(handoff)
        except DaofuError as exc:
            log.warning("agent API: transcript of hand-off %d unavailable: %s", handoff_id, exc)
            return error_response("the conversation cannot be read right now; try again shortly", 503)
        names = await _blocking(partial(matter_names, {handoff.matter_code} if handoff.matter_code else set()))
        return json_response(
            {"handoff": handoff_json(handoff, names.get(handoff.matter_code or ""), datetime.now(UTC)),
             "transcript": lines}
        )  # fmt: skip

    @bp.post("/handoffs/<handoff_id:int>/messages")
    async def agent_message(request: Request, handoff_id: int) -> HTTPResponse:
        if not 0 < handoff_id < MAX_RECORD_ID:
            return error_response(f"no hand-off with id {handoff_id}", 404)
        if backend.desk is None:
            return no_desk()
        body = _body(request)
        text = body.get("text") if body else None
        if not isinstance(text, str) or not text.strip():
            return error_response('send JSON like {"text": "您好，请问…"}', 400)
        if len(text) > MAX_AGENT_TEXT_CHARS:
            return error_response(f"text is longer than {MAX_AGENT_TEXT_CHARS} characters", 413)
        result = await held_or_error(partial(backend.desk.say, handoff_id, request.ctx.agent_id, text))
        if isinstance(result, HTTPResponse):
            return result
        event, live = result
        return json_response({"id": event.id, "text": event.text, "at": event.created_at.isoformat(), "live": live})

    @bp.post("/handoffs/<handoff_id:int>/release")
    async def release(request: Request, handoff_id: int) -> HTTPResponse:
        if not 0 < handoff_id < MAX_RECORD_ID:
            return error_response(f"no hand-off with id {handoff_id}", 404)
        if backend.desk is None:
            return no_desk()
        handoff = await held_or_error(partial(backend.desk.release, handoff_id, request.ctx.agent_id))
        if isinstance(handoff, HTTPResponse):
            return handoff
        return json_response(handoff_json(handoff))

    @bp.get("/callbacks")
    async def callbacks(request: Request) -> HTTPResponse:
        found = await _blocking(backend.records.callbacks)
        return json_response({"callbacks": [callback_json(c, request.ctx.agent_id) for c in found]})

    @bp.post("/callbacks/<callback_id:int>")
    async def update_callback(request: Request, callback_id: int) -> HTTPResponse:
        if not 0 < callback_id < MAX_RECORD_ID:
            return error_response(f"no call-back request with id {callback_id}", 404)
        body = _body(request)
        status = body.get("status") if body else None
        actions = {
            CallbackStatus.TAKEN: backend.records.take_callback,
            CallbackStatus.DONE: backend.records.finish_callback,
        }
        if status not in actions:
            return error_response('send JSON like {"status": "taken"} (to call) or {"status": "done"}', 400)
        try:
            callback = await _blocking(partial(actions[status], callback_id, request.ctx.agent_id))
        except LookupError as exc:
            return error_response(str(exc), 404)
        except HandoffConflict as exc:
            return error_response(str(exc), 409)
        log.info("agent %s: call-back %d %s", request.ctx.agent_id, callback_id, status)
        return json_response(callback_json(callback, request.ctx.agent_id))

    @bp.get("/report")
    async def report(request: Request) -> HTTPResponse:
        try:
            month = parse_month(request.args.get("month"))
        except ReportError as exc:
            return error_response(str(exc), 400)
        lookups = await _blocking(partial(backend.lookups.between, month.start, month.end))
        conversations = await _blocking(partial(backend.records.month_counts, month.start, month.end))

        def name_of(guide_id: str) -> str | None:
            guide = backend.catalog.guide(guide_id)
            return guide.name if guide else None

        def matter_name(code: str) -> str | None:
            matter = backend.catalog.matter(code)
            return matter.name if matter else None

        body = await _blocking(partial(summarise, month, lookups, name_of, conversations))
        figures = await _blocking(partial(month_figures, backend.records, month, matter_name))
        body["service"] = figures.to_json()
        return json_response(body)

    return bp
