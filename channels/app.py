"""The service's composition root: one Sanic app that hosts every channel, the action endpoint and the APIs.

:func:`create_app` is the one place that wires the service. It opens the process's shared objects
once (:class:`~daofu.services.Services`: settings, database engine, catalogue, conversation
records, search index) and hands them to the action executor and to each channel's
``install(app, services)``. Nothing else in the service opens a database or loads the index.

Routes (each channel adds its own in its module):

* ``GET /health`` — liveness, and whether the dialogue server answers;
* ``POST /webhook`` — Rasa's custom actions (:mod:`channels.action_endpoint`);
* ``POST /api/chat`` — the plain text channel: ``{"sender", "message", "payload"?}`` in, the bot's
  messages out. ``message`` is typed text (never read as a payload); ``payload`` is a button's, used
  only when the service offered that button to this conversation. Senders are namespaced
  (``api-…``), so the API never writes into a widget or WeChat conversation. While the dialogue
  is away (Rasa restarting) the answer is 200 with "系统繁忙，请稍后再试" and ``"busy": true``.

Every channel's turns go through one gate (:class:`~channels.conversation.ConversationGate`): it
keeps forged payloads out, answers the service's own follow-ups, and keeps the assistant silent
while an agent holds the conversation. The takeover desk (:class:`~channels.takeover.TakeoverDesk`)
and the push to open pages (:class:`~channels.push.LocalPush`, or :class:`~channels.push.RedisPush`
when several instances share ``DAOFU_REDIS_URL``) are built here too and reach the channels through
``app.ctx`` (``gate``, ``desk``, ``push``).

The app runs in a single process (``single_process=True``): the search index and the embedding
model are loaded once, and no worker is forked after the model has started threads.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import math
import re

from sanic import Request, Sanic
from sanic.exceptions import BadRequest
from sanic.response import HTTPResponse
from sqlalchemy.exc import InterfaceError, OperationalError

from channels.action_endpoint import action_blueprint, create_executor
from channels.api_access import refusal as api_refusal
from channels.conversation import ConversationGate, Incoming
from channels.dialogue import BUSY_TEXT, DialogueClient, DialogueUnavailable
from channels.http import error_response, json_response
from channels.limits import SANIC_CEILING, UNLIMITED_PREFIXES, RateLimiter, TooManyTurns, body_limit
from channels.push import LocalPush, RedisPush
from channels.shared_state import redis_client
from channels.takeover import TakeoverDesk
from daofu.config import Settings, load_settings
from daofu.errors import DaofuError
from daofu.messages import Text, to_wire
from daofu.retention import purge
from daofu.secrets import action_token, rasa_token
from daofu.services import Services

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
# Seconds a caller is asked to wait when the dialogue is away (Rasa restarts in about half a minute).
BUSY_RETRY_AFTER = 10
API_SENDER = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def create_app(settings: Settings | None = None, services: Services | None = None, name: str = "daofu") -> Sanic:
    """The service for ``settings``; ``services`` replaces the shared objects (tests pass their own)."""
    settings = settings or load_settings()
    services = services or Services.open(settings)
    app = Sanic(name)
    app.config.KEEP_ALIVE_TIMEOUT = 30
    app.config.REQUEST_MAX_SIZE = SANIC_CEILING
    app.config.PROXIES_COUNT = settings.proxies_count
    per_address = RateLimiter(settings.rate_limit_per_ip)

    @app.on_request
    async def limit(request: Request) -> HTTPResponse | None:
        """Body size per route, and requests per client address on the public routes."""
        limit = body_limit(request.method, request.path)
        if len(request.body or b"") > limit:
            return error_response(f"the request body is larger than {limit // 1024} KB", 413)
        if request.path.startswith(UNLIMITED_PREFIXES):
            return None
        wait = per_address.retry_after(request.remote_addr or request.ip or "unknown")
        if wait is not None:
            return too_many(wait)
        return None

    app.ctx.settings = settings
    app.ctx.services = services
    app.blueprint(action_blueprint(create_executor(services), action_token(settings)))
    # One instance keeps pushes in the process; several share them through Redis (DAOFU_REDIS_URL).
    app.ctx.push = RedisPush(redis_client(settings.redis_url)) if settings.redis_url else LocalPush()
    app.ctx.gate = ConversationGate(lambda: app.ctx.dialogue, services.records, app.ctx.push, settings)
    app.ctx.desk = TakeoverDesk(app.ctx.gate)

    @app.before_server_start
    async def open_clients(app: Sanic) -> None:
        app.ctx.dialogue = DialogueClient(
            settings.rasa_urls, token=rasa_token(settings), embed=lambda text: services.searcher().encoder.encode(text)
        )
        if isinstance(app.ctx.push, RedisPush):
            await app.ctx.push.start()
        app.ctx.handoff_watch = asyncio.get_running_loop().create_task(app.ctx.desk.watch())
        app.ctx.forgetting = asyncio.get_running_loop().create_task(forget_daily(settings, services))
        try:
            await asyncio.to_thread(services.warm_up)
        except DaofuError as exc:
            # The service still starts: the forms and the console work without the index, and
            # every search route answers 503 saying why.
            log.error("the search index could not be loaded: %s", exc)

    @app.after_server_stop
    async def close_clients(app: Sanic) -> None:
        app.ctx.handoff_watch.cancel()
        app.ctx.forgetting.cancel()
        await app.ctx.dialogue.close()
        if isinstance(app.ctx.push, RedisPush):
            await app.ctx.push.close()
        services.close()

    @app.exception(OperationalError, InterfaceError)
    async def database_down(request: Request, exception: OperationalError | InterfaceError) -> HTTPResponse:
        """A database that is down or restarting: 503 and a clear line, never a 500 with a trace."""
        log.warning("%s %s: the database is unavailable: %s", request.method, request.path, exception.orig)
        return error_response("the database is unavailable; try again shortly", 503)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        dialogue_up = await request.app.ctx.dialogue.healthy()
        return json_response({"status": "ok", "dialogue": "up" if dialogue_up else "down"})

    @app.post("/api/chat")
    async def chat(request: Request) -> HTTPResponse:
        refused = api_refusal(request, settings)
        if refused is not None:
            return refused
        try:
            body = request.json
        except BadRequest:
            body = None
        if not isinstance(body, dict):
            return error_response('send JSON like {"sender": "u1", "message": "你好"}', 400)
        sender, message, payload = body.get("sender"), body.get("message"), body.get("payload")
        if not isinstance(sender, str) or not API_SENDER.fullmatch(sender):
            return error_response(
                "sender must be 1 to 100 letters, digits, '-', '_', '.' or ':' (your own id for the conversation)", 400
            )
        if payload is not None and (
            not isinstance(payload, str) or not payload.startswith("/") or len(payload) > MAX_MESSAGE_CHARS
        ):
            return error_response("payload must be a button's payload as the answer offered it", 400)
        if payload is None and not isinstance(message, str):
            return error_response("message must be a string (or send a button's payload as payload)", 400)
        if message is not None and not isinstance(message, str):
            return error_response("message must be a string (the typed text, or the chosen button's title)", 400)
        if len(message or "") > MAX_MESSAGE_CHARS:
            return error_response(f"message is longer than {MAX_MESSAGE_CHARS} characters", 413)
        try:
            # Senders are namespaced by channel: the plain API can never write into a widget (web-…)
            # or WeChat (wx-…) conversation. The gate uses the payload only if it offered that button.
            incoming = Incoming(message or "", payload)
            messages = await request.app.ctx.gate.turn(f"api-{sender}", incoming, {"channel": "api"})
        except TooManyTurns as exc:
            return too_many(exc.retry_after)
        except DialogueUnavailable as exc:
            # A reply, not a 5xx: the caller shows it like any answer and the person tries again.
            log.warning("chat turn failed: %s", exc)
            busy = [to_wire(Text(BUSY_TEXT))]
            return json_response({"messages": busy, "busy": True}, headers={"Retry-After": str(BUSY_RETRY_AFTER)})
        return json_response({"messages": [to_wire(m) for m in messages]})

    for channel in settings.channels:
        module = importlib.import_module(f"channels.{channel}")
        module.install(app, services)
    return app


async def forget_daily(settings: Settings, services: Services) -> None:
    """Apply the retention period now and once a day (docs/threat-model.md, daofu/retention.py)."""
    while True:
        try:
            await asyncio.to_thread(purge, settings, services.engine)
        except Exception:  # a failed purge must not stop the service; it is retried tomorrow
            log.exception("the daily retention purge failed")
        await asyncio.sleep(24 * 3600)


def too_many(retry_after: float) -> HTTPResponse:
    seconds = max(1, math.ceil(retry_after))
    return json_response(
        {"error": f"too many requests; wait {seconds} s and try again"}, status=429,
        headers={"Retry-After": str(seconds)},
    )  # fmt: skip


def serve(settings: Settings) -> None:
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, single_process=True, access_log=False, motd=False)
