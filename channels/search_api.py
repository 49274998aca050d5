"""``GET /api/search``: the hybrid search as JSON, for agents and other systems.

Only for callers with an API token, or on this machine (:mod:`channels.api_access`). Query
parameters: ``q`` (the question, required), ``region`` (district, county, zone or town;
otherwise found in the question), ``top_k`` (1–50, default 5). Bad parameters get 400 with a
message that says which one and why; a missing index gets 503.
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from channels.api_access import refusal
from channels.http import BadArgument, error_response, int_arg, json_response
from daofu.errors import DaofuError
from daofu.services import Services
from indexer.search import MAX_QUERY_CHARS, MAX_TOP_K, UnknownRegionError

log = logging.getLogger(__name__)


def install(app: Sanic, services: Services) -> None:
    @app.get("/api/search")
    async def search(request: Request) -> HTTPResponse:
        refused = refusal(request, services.settings)
        if refused is not None:
            return refused
        query = request.args.get("q")
        if query is None:
            return error_response("missing parameter q (the question to search for)", 400)
        try:
            top_k = int_arg(request.args, "top_k", 5, 1, MAX_TOP_K)
        except BadArgument as exc:
            return error_response(str(exc), 400)
        if len(query) > MAX_QUERY_CHARS:
            return error_response(f"q is longer than {MAX_QUERY_CHARS} characters", 400)
        region = request.args.get("region") or None
        if region is not None and len(region) > 64:
            return error_response("region is longer than 64 characters", 400)
        try:
            searcher = await asyncio.to_thread(services.searcher)
            result = await asyncio.to_thread(searcher.search, query, region=region, top_k=top_k)
        except UnknownRegionError as exc:
            return error_response(str(exc), 400)
        except DaofuError as exc:
            log.error("search API: the search index is unavailable: %s", exc)
            return error_response("the search index is unavailable; try again shortly", 503)
        return json_response(result.to_json())
