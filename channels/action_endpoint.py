"""The Rasa action endpoint (``POST /webhook``), hosted inside the service.

Rasa calls this for every custom action. Hosting rasa-sdk's executor in the service itself (rather
than a separate ``rasa run actions`` process) means one Python 3.11 process owns the search
index and the model, loaded once, and there is one process less to run and watch. The actions
are registered as instances that share the process's :class:`~daofu.services.Services`.

The endpoint runs any action for whoever calls it, so only Rasa may: every request must carry the
shared secret (``DAOFU_ACTION_TOKEN``, or the one generated under ``var/secrets/``) in the
:data:`TOKEN_HEADER` header, compared in constant time, and a request that came through a reverse
proxy (it carries ``X-Forwarded-For``) is refused outright — Rasa calls the service directly. The
action list (``GET /actions``) is guarded the same way.
"""

from __future__ import annotations

import hmac
import logging
from functools import wraps
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException
from sanic import Blueprint, Request, response
from sanic.exceptions import BadRequest
from sanic.response import HTTPResponse

from bot.actions import create_actions
from channels.http import error_response
from daofu.secrets import ACTION_TOKEN_HEADER
from daofu.services import Services

log = logging.getLogger(__name__)

TOKEN_HEADER = ACTION_TOKEN_HEADER
MAX_ACTION_CALL_BYTES = 2 * 1024 * 1024  # a tracker with a long conversation; Rasa sends nothing bigger


def _refusal(request: Request, token: str) -> HTTPResponse | None:
    """Why ``request`` may not run actions, as a response; None when it comes from Rasa."""
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return error_response("the action endpoint is internal; it is not served through a proxy", 403)
    given = request.headers.get(TOKEN_HEADER, "")
    if not token or not hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8")):
        return error_response(f"the action endpoint needs the {TOKEN_HEADER} header Rasa is configured with", 401)
    return None


def create_executor(services: Services) -> ActionExecutor:
    executor = ActionExecutor()
    for action in create_actions(services):
        executor.register_action(action)
    return executor


def action_blueprint(executor: ActionExecutor, token: str) -> Blueprint:
    """``POST /webhook`` and ``GET /actions``, for requests that carry ``token`` only."""
    blueprint = Blueprint("rasa_actions")

    def only_rasa(handler: Any) -> Any:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            refusal = _refusal(request, token)
            if refusal is not None:
                log.warning("action endpoint refused a request from %s", request.remote_addr or request.ip)
                return refusal
            return await handler(request, *args, **kwargs)

        return guarded

    @blueprint.post("/webhook")
    @only_rasa
    async def webhook(request: Request) -> HTTPResponse:
        if len(request.body) > MAX_ACTION_CALL_BYTES:
            return error_response(f"an action call is at most {MAX_ACTION_CALL_BYTES // 1024 // 1024} MB", 413)
        try:
            action_call = request.json
        except BadRequest:
            action_call = None
        if (
            not isinstance(action_call, dict)
            or not isinstance(action_call.get("next_action"), str)
            or not isinstance(action_call.get("tracker"), dict)
        ):
            return response.json(
                {"error": "the body must be a Rasa action call (JSON with next_action and tracker)"}, status=400
            )
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as exc:
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=400)
        except ActionNotFoundException as exc:
            log.error("Rasa asked for an unknown action: %s", exc.action_name)
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=404)
        except ActionMissingDomainException as exc:
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=449)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # A call that passed the shape check but not rasa-sdk's reading of the tracker.
            log.warning("malformed action call for %s: %r", str(action_call.get("next_action"))[:64], exc)
            return response.json({"error": "the action call's tracker or domain is malformed"}, status=400)
        return response.json(result.model_dump() if result else None)

    @blueprint.get("/actions")
    @only_rasa
    async def actions(_request: Request) -> HTTPResponse:
        return response.json([item.model_dump() for item in executor.list_actions()])

    return blueprint
