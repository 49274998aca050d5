"""``GET /api/search``: the hybrid search as JSON, for agents and other systems.

Query parameters: ``q`` (the question, required), ``region`` (district, county, zone or town;
otherwise found in the question), ``top_k`` (1–50, default 5). Bad parameters get 400 with a
message that says which one and why; a missing index gets 503.
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from channels.http import error_response, json_response
from daofu.errors import DaofuError
from daofu.services import Services
from indexer.search import MAX_TOP_K, UnknownRegionError

log = logging.getLogger(__name__)


def install(app: Sanic, services: Services) -> None:
    @app.get("/api/search")
    async def search(request: Request) -> HTTPResponse:
        query = request.args.get("q")
        if query is None:
            return error_response("missing parameter q (the question to search for)", 400)
        raw_top = request.args.get("top_k", "5")
        if not raw_top.isdigit() or not 1 <= int(raw_top) <= MAX_TOP_K:
            return error_response(f"top_k must be a whole number from 1 to {MAX_TOP_K}", 400)
        region = request.args.get("region") or None
        try:
            searcher = await asyncio.to_thread(services.searcher)
            result = await asyncio.to_thread(searcher.search, query, region=region, top_k=int(raw_top))
        except UnknownRegionError as exc:
            return error_response(str(exc), 400)
        except DaofuError as exc:
            log.error("search API: the search index is unavailable: %s", exc)
            return error_response("the search index is unavailable; try again shortly", 503)
        return json_response(result.to_json())
