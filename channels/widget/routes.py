"""The widget's routes: its script and style, the demo portal page, the WebSocket and the history.

* ``GET /`` — a mock-up of the Ningbo government service portal with the widget embedded (demo);
* ``GET /widget/daofu-widget.js``, ``/widget/daofu-widget.css`` — what a portal page loads;
* ``WS /widget/ws?sender=web-…`` — the conversation (frames in :mod:`channels.widget.protocol`);
* ``GET /widget/history?sender=web-…`` — the conversation so far, from Rasa's tracker.

Nothing of what people write is logged at INFO: only sender ids, counts and outcomes.
"""

from __future__ import annotations

import asyncio
import html
import logging
from functools import partial
from pathlib import Path

from sanic import Blueprint, Request
from sanic.exceptions import WebsocketClosed
from sanic.response import HTTPResponse
from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.exceptions import ConnectionClosed

from channels.conversation import ConversationGate, Incoming
from channels.dialogue import BUSY_TEXT, DialogueUnavailable
from channels.http import error_response, json_response
from channels.limits import TooManyTurns
from channels.widget.assets import Asset
from channels.widget.config import WidgetSettings
from channels.widget.history import history_from_events
from channels.widget.messages import widget_messages
from channels.widget.protocol import (
    FormOpened,
    FrameError,
    Ping,
    bot_frame,
    error_frame,
    parse_frame,
    pong_frame,
    push_frame,
    typing_frame,
    valid_sender,
)
from daofu.masking import log_id
from daofu.messages import BotMessage
from knowledge import DEMO_NOTICE

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PUBLIC_FILES = ("daofu-widget.js", "daofu-widget.css", "portal.css")
TOO_FAST = "您发送得太快了，请等上一条回复后再发。"
BAD_SENDER = "会话标识不正确，请刷新页面后重试。"
# WebSocket close codes in the application range (4000–4999).
CLOSE_BAD_SENDER = 4400
CLOSE_FORBIDDEN_ORIGIN = 4403


def portal_page() -> Asset:
    """The demo portal with the catalogue's demo notice filled in (one wording everywhere)."""
    template = (STATIC_DIR / "portal.html").read_text(encoding="utf-8")
    page = template.replace("{{demo_notice}}", html.escape(DEMO_NOTICE))
    return Asset.of(page.encode("utf-8"), "text/html; charset=utf-8")


# Dialogue turns still running for pages that have gone (kept referenced until they finish).
_unfinished: set[asyncio.Future] = set()


def _turn_done(sender: str, turn: asyncio.Future) -> None:
    """Forget a finished turn; say why it failed (the handler that awaited it may be gone)."""
    _unfinished.discard(turn)
    if turn.cancelled():
        return
    problem = turn.exception()
    if isinstance(problem, DialogueUnavailable):
        log.debug("widget %s: turn failed: %s", log_id(sender), problem)
    elif problem is not None:
        log.error("widget %s: turn failed unexpectedly: %r", log_id(sender), problem)


async def _send(ws: WebsocketImplProtocol, frame: str) -> bool:
    """Send ``frame``; False when the connection has closed meanwhile."""
    try:
        await ws.send(frame)
    except (ConnectionClosed, WebsocketClosed):
        return False
    return True


def widget_blueprint(widget: WidgetSettings, gate: ConversationGate) -> Blueprint:
    bp = Blueprint("widget")
    assets = {name: Asset.read(STATIC_DIR / name) for name in PUBLIC_FILES}
    portal = portal_page()

    @bp.get("/")
    async def portal_route(request: Request) -> HTTPResponse:
        return portal.serve(request)

    @bp.get("/widget/<name:str>")
    async def asset_route(request: Request, name: str) -> HTTPResponse:
        asset = assets.get(name)
        if asset is None:
            return error_response(f"no widget file {name!r}; the widget is /widget/daofu-widget.js", 404)
        return asset.serve(request, headers={"Access-Control-Allow-Origin": "*"})

    @bp.get("/widget/history")
    async def history_route(request: Request) -> HTTPResponse:
        origin = request.headers.get("origin")
        cors = widget.cors_headers(origin)
        if not widget.allows(origin):
            return error_response("this page's origin may not read widget conversations", 403)
        sender = request.args.get("sender")
        if not valid_sender(sender):
            return json_response(
                {"error": "sender must be the widget's conversation id: web- and 16 to 64 letters, digits, - or _"},
                status=400,
                headers=cors,
            )
        try:
            messages = history_from_events(await request.app.ctx.dialogue.events(sender))
        except DialogueUnavailable as exc:
            log.warning("widget history for %s unavailable: %s", log_id(sender), exc)
            return json_response(
                {"error": "the conversation history is unavailable; try again shortly"}, status=503, headers=cors
            )
        log.info("widget history for %s: %d messages", log_id(sender), len(messages))
        return json_response({"sender": sender, "messages": messages}, headers=cors)

    @bp.websocket("/widget/ws")
    async def socket_route(request: Request, ws: WebsocketImplProtocol) -> None:
        sender = request.args.get("sender")
        if not widget.allows(request.headers.get("origin")):
            log.warning("widget connection refused: origin %s is not allowed", request.headers.get("origin"))
            await ws.close(code=CLOSE_FORBIDDEN_ORIGIN, reason="origin not allowed")
            return
        if not valid_sender(sender):
            await ws.send(error_frame(BAD_SENDER))
            await ws.close(code=CLOSE_BAD_SENDER, reason="bad sender id")
            return
        log.info("widget %s connected", log_id(sender))
        turns = 0

        async def deliver(_sender: str, messages: list[BotMessage]) -> bool:
            return await _send(ws, push_frame(widget_messages(messages)))

        disconnect = gate.push.connect(sender, deliver)
        try:
            while True:
                raw = await ws.recv()
                if raw is None:
                    break
                try:
                    frame = parse_frame(raw)
                except FrameError as exc:
                    await ws.send(error_frame(str(exc)))
                    continue
                if isinstance(frame, Ping):
                    await ws.send(pong_frame())
                    continue
                if isinstance(frame, FormOpened):
                    rating = await gate.form_opened(sender, frame.metadata)
                    if rating:
                        await _send(ws, push_frame(widget_messages(rating)))
                    continue
                # A message that arrived is answered even if the page goes away meanwhile (Sanic
                # cancels this handler when the connection drops): the turn runs to its end, its
                # answer lands in the tracker, and the page reads it from the history when it is back.
                open_ = await _send(ws, typing_frame())
                incoming = Incoming(frame.text, frame.payload)
                turn = asyncio.ensure_future(gate.turn(sender, incoming, frame.metadata))
                _unfinished.add(turn)
                turn.add_done_callback(partial(_turn_done, sender))
                try:
                    replies = await asyncio.shield(turn)
                except DialogueUnavailable as exc:
                    log.warning("widget %s: dialogue unavailable: %s", log_id(sender), exc)
                    await ws.send(error_frame(BUSY_TEXT))
                    continue
                except TooManyTurns:
                    await ws.send(error_frame(TOO_FAST))
                    continue
                messages = widget_messages(replies)
                turns += 1
                log.debug("widget %s turn %d: %d bot messages", log_id(sender), turns, len(messages))
                if not (open_ and await _send(ws, bot_frame(messages))):
                    log.info("widget %s left before its answer; the answer is in the history", log_id(sender))
                    break
        except (ConnectionClosed, WebsocketClosed):
            pass
        finally:
            disconnect()
            log.info("widget %s disconnected after %d turns", log_id(sender), turns)

    return bp
