"""``GET /api/search``: the hybrid search as JSON, for agents and other systems.

Query parameters: ``q`` (the question, required), ``region`` (district, county, zone or town;
otherwise found in the question), ``top_k`` (1–50, default 5). Bad parameters get 400 with a
message that says which one and why.

The searcher is loaded once when the service starts (:func:`bot.actions.services.warm_up`).
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from channels.http import error_response, json_response
from daofu.config import Settings
from indexer.search import MAX_TOP_K, UnknownRegionError

log = logging.getLogger(__name__)


def install(app: Sanic, settings: Settings) -> None:
    @app.before_server_start
    async def load_search(app: Sanic) -> None:
        from bot.actions import services

        await asyncio.get_running_loop().run_in_executor(None, services.warm_up)

    @app.get("/api/search")
    async def search(request: Request) -> HTTPResponse:
        from bot.actions import services

        query = request.args.get("q")
        if query is None:
            return error_response("missing parameter q (the question to search for)", 400)
        raw_top = request.args.get("top_k", "5")
        if not raw_top.isdigit() or not 1 <= int(raw_top) <= MAX_TOP_K:
            return error_response(f"top_k must be a whole number from 1 to {MAX_TOP_K}", 400)
        region = request.args.get("region") or None
        searcher = services.searcher()
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                None, lambda: searcher.search(query, region=region, top_k=int(raw_top))
            )
        except UnknownRegionError as exc:
            return error_response(str(exc), 400)
        return json_response(result.to_json())
