"""The Rasa action endpoint (``POST /webhook``), hosted inside the service.

Rasa calls this for every custom action. Hosting rasa-sdk's executor in the service itself (rather
than a separate ``rasa run actions`` process) means one Python 3.11 process owns the search
index and the model, loaded once, and there is one process less to run and watch. The actions
are registered as instances that share the process's :class:`~daofu.services.Services`.
"""

from __future__ import annotations

import logging

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException
from sanic import Blueprint, Request, response
from sanic.exceptions import BadRequest
from sanic.response import HTTPResponse

from bot.actions import create_actions
from daofu.services import Services

log = logging.getLogger(__name__)


def create_executor(services: Services) -> ActionExecutor:
    executor = ActionExecutor()
    for action in create_actions(services):
        executor.register_action(action)
    return executor


def action_blueprint(executor: ActionExecutor) -> Blueprint:
    blueprint = Blueprint("rasa_actions")

    @blueprint.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        try:
            action_call = request.json
        except BadRequest:
            action_call = None
        if not isinstance(action_call, dict) or "next_action" not in action_call:
            return response.json({"error": "the body must be a Rasa action call (JSON with next_action)"}, status=400)
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as exc:
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=400)
        except ActionNotFoundException as exc:
            log.error("Rasa asked for an unknown action: %s", exc.action_name)
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=404)
        except ActionMissingDomainException as exc:
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=449)
        return response.json(result.model_dump() if result else None)

    @blueprint.get("/actions")
    async def actions(_request: Request) -> HTTPResponse:
        return response.json([item.model_dump() for item in executor.list_actions()])

    return blueprint
