"""The service: one Sanic app that hosts every channel, the action endpoint and the APIs.

Routes (each channel adds its own in its module):

* ``GET /health`` — liveness, and whether the dialogue server answers;
* ``POST /webhook`` — Rasa's custom actions (:mod:`channels.action_endpoint`);
* ``POST /api/chat`` — the plain text channel: ``{"sender", "message"}`` in, the bot's messages out.

Each channel lives in its own module with an ``install(app, settings)`` function that adds its
routes; :data:`CHANNEL_MODULES` lists them. Shared services hang off ``app.ctx``: ``settings``,
``dialogue`` (:class:`~channels.dialogue.DialogueClient`).

The app runs in a single process (``single_process=True``): the search index and the embedding
model are loaded once, and no worker is forked after torch has started threads.
"""

from __future__ import annotations

import importlib
import logging
import os

from sanic import Request, Sanic
from sanic.exceptions import BadRequest
from sanic.response import HTTPResponse

from channels.action_endpoint import action_blueprint, create_executor
from channels.dialogue import DialogueClient, DialogueUnavailable
from channels.http import error_response, json_response
from daofu.config import Settings, load_settings

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000

# Modules that add routes through ``install(app, settings)``; one per channel or API.
CHANNEL_MODULES = (
    "channels.search_api",
    "channels.forms",
    "channels.widget",
    "channels.wechat",
    "channels.agent",
)


def create_app(settings: Settings | None = None, name: str = "daofu") -> Sanic:
    settings = settings or load_settings()
    app = Sanic(name)
    app.config.KEEP_ALIVE_TIMEOUT = 30
    app.ctx.settings = settings
    app.blueprint(action_blueprint(create_executor()))

    @app.before_server_start
    async def open_clients(app: Sanic) -> None:
        app.ctx.dialogue = DialogueClient(settings.rasa_url, token=os.environ.get("DAOFU_RASA_TOKEN", ""))

    @app.after_server_stop
    async def close_clients(app: Sanic) -> None:
        await app.ctx.dialogue.close()

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        dialogue_up = await request.app.ctx.dialogue.healthy()
        return json_response({"status": "ok", "dialogue": "up" if dialogue_up else "down"})

    @app.post("/api/chat")
    async def chat(request: Request) -> HTTPResponse:
        try:
            body = request.json
        except BadRequest:
            body = None
        if not isinstance(body, dict):
            return error_response('send JSON like {"sender": "u1", "message": "你好"}', 400)
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > 128:
            return error_response("sender must be a non-empty string of at most 128 characters", 400)
        if not isinstance(message, str):
            return error_response("message must be a string", 400)
        if len(message) > MAX_MESSAGE_CHARS:
            return error_response(f"message is longer than {MAX_MESSAGE_CHARS} characters", 413)
        try:
            messages = await request.app.ctx.dialogue.send(sender, message, metadata={"channel": "api"})
        except DialogueUnavailable as exc:
            log.warning("chat from %s failed: %s", sender, exc)
            return error_response(str(exc), 503)
        return json_response({"messages": messages})

    for module_name in enabled_channel_modules():
        module = importlib.import_module(module_name)
        install = getattr(module, "install", None)
        if install is None:
            raise RuntimeError(f"{module_name} has no install(app, settings) function")
        install(app, settings)
    return app


def enabled_channel_modules() -> list[str]:
    """All channel modules, or the ones named in ``DAOFU_CHANNELS`` (e.g. ``widget,agent,forms``).

    A deployment that does not run, say, the WeChat account leaves it out and its routes do not
    exist at all.
    """
    raw = os.environ.get("DAOFU_CHANNELS", "").strip()
    if not raw:
        return list(CHANNEL_MODULES)
    wanted = {name.strip() for name in raw.split(",") if name.strip()}
    known = {module.rsplit(".", 1)[1]: module for module in CHANNEL_MODULES}
    unknown = wanted - set(known)
    if unknown:
        raise ValueError(f"DAOFU_CHANNELS names unknown channels {sorted(unknown)}; known: {sorted(known)}")
    return [module for name, module in known.items() if name in wanted]


def serve(settings: Settings | None = None) -> None:
    settings = settings or load_settings()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False, motd=False)
