"""The WeChat official-account channel (``/wechat``); setup in docs/wechat.md.

Modules:

* :mod:`~channels.wechat.config` — settings from ``DAOFU_WECHAT_*`` environment variables;
* :mod:`~channels.wechat.crypto` — signatures and the AES safe-mode envelope;
* :mod:`~channels.wechat.messages` — safe XML parsing, reply XML;
* :mod:`~channels.wechat.events` — what texts, events and menu clicks mean for the dialogue;
* :mod:`~channels.wechat.rendering` — bot messages → one WeChat text or news message;
* :mod:`~channels.wechat.options` — numbered choices and replies such as "1";
* :mod:`~channels.wechat.dedupe` — one dialogue turn per message across WeChat's retries;
* :mod:`~channels.wechat.customer_service` — pushing late answers (access token cache, send);
* :mod:`~channels.wechat.channel` — the behaviour, tying the above together;
* :mod:`~channels.wechat.routes` — the Sanic blueprint.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from sanic import Sanic

from channels.wechat.channel import WeChatChannel
from channels.wechat.config import WeChatConfigError, WeChatSettings, load_wechat_settings
from channels.wechat.crypto import MessageCrypto
from channels.wechat.customer_service import CustomerServiceClient
from channels.wechat.dedupe import MemoryTurnStore, RedisTurnStore, TurnStore
from channels.wechat.options import MemoryOptionStore, OptionStore, RedisOptionStore
from channels.wechat.routes import WeChatRuntime, wechat_blueprint
from daofu.config import Settings

log = logging.getLogger(__name__)

__all__ = ["install"]


def _stores(settings: WeChatSettings) -> tuple[TurnStore, OptionStore, Any]:
    if not settings.redis_url:
        return MemoryTurnStore(settings.dedupe_ttl), MemoryOptionStore(settings.options_ttl), None
    import redis.asyncio

    client = redis.asyncio.from_url(settings.redis_url, decode_responses=True)
    return RedisTurnStore(client, settings.dedupe_ttl), RedisOptionStore(client, settings.options_ttl), client


def install(app: Sanic, settings: Settings) -> None:
    """Add ``/wechat``; without credentials it answers 503 and the rest of the service is unaffected."""
    del settings  # the channel's settings are its own (DAOFU_WECHAT_*)
    try:
        wechat_settings: WeChatSettings | None = load_wechat_settings()
        problem = ""
    except WeChatConfigError as exc:
        wechat_settings, problem = None, str(exc)
        if not any(name.startswith("DAOFU_WECHAT_") and value.strip() for name, value in os.environ.items()):
            log.info("WeChat channel off: %s", problem)
        else:
            log.error("WeChat channel off: %s", problem)
    runtime = WeChatRuntime(wechat_settings, problem)
    if wechat_settings is not None and wechat_settings.aes_key:
        runtime.crypto = MessageCrypto(wechat_settings.token, wechat_settings.aes_key, wechat_settings.appid)
    app.ctx.wechat = runtime
    app.blueprint(wechat_blueprint(runtime))
    if wechat_settings is None:
        return
    redis_client: list[Any] = []

    @app.before_server_start
    async def start_wechat(app: Sanic) -> None:
        assert wechat_settings is not None
        turns, options, client = _stores(wechat_settings)
        if client is not None:
            redis_client.append(client)
        push = None
        if wechat_settings.push_available:
            push = CustomerServiceClient(wechat_settings.api_base, wechat_settings.appid, wechat_settings.secret)
        else:
            log.warning("DAOFU_WECHAT_SECRET is not set: answers slower than the reply deadline cannot be pushed")

        async def send(sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
            return await app.ctx.dialogue.send(sender, text, metadata)

        runtime.channel = WeChatChannel(send, turns, options, push)
        log.info(
            "WeChat channel on: safe mode %s, deadline %.2f s, %s store",
            "available" if runtime.crypto else "off", wechat_settings.reply_deadline,
            "Redis" if client is not None else "in-memory",
        )

    @app.after_server_stop
    async def stop_wechat(app: Sanic) -> None:
        if runtime.channel is not None:
            await runtime.channel.close()
            runtime.channel = None
        for client in redis_client:
            await client.aclose()
