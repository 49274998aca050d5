"""The WeChat official-account channel (``/wechat``); setup in docs/wechat.md.

Modules:

* :mod:`~channels.wechat.config` — settings from ``DAOFU_WECHAT_*`` environment variables;
* :mod:`~channels.wechat.crypto` — signatures and the AES safe-mode envelope;
* :mod:`~channels.wechat.messages` — safe XML parsing, reply XML;
* :mod:`~channels.wechat.events` — what texts, events and menu clicks mean for the dialogue;
* :mod:`~channels.wechat.rendering` — bot messages → one WeChat text or news message;
* :mod:`~channels.wechat.options` — numbered choices and replies such as "1";
* :mod:`~channels.wechat.dedupe` — one dialogue turn per message across WeChat's retries;
* :mod:`~channels.wechat.replay` — the timestamp window and the nonce cache against replays;
  the three stores live in Redis when ``DAOFU_REDIS_URL`` (or ``DAOFU_WECHAT_REDIS_URL``) is set;
* :mod:`~channels.wechat.customer_service` — pushing late answers (access token cache, send);
* :mod:`~channels.wechat.channel` — the behaviour, tying the above together;
* :mod:`~channels.wechat.routes` — the Sanic blueprint.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Sanic

from channels.conversation import Incoming, gate_of
from channels.shared_state import redis_client
from channels.wechat.channel import WECHAT_PREFIX, WeChatChannel
from channels.wechat.config import WeChatSettings, wechat_settings
from channels.wechat.crypto import MessageCrypto
from channels.wechat.customer_service import CustomerServiceClient
from channels.wechat.dedupe import MemoryTurnStore, RedisTurnStore, TurnStore
from channels.wechat.options import MemoryOptionStore, OptionStore, RedisOptionStore
from channels.wechat.replay import MemoryNonceCache, NonceCache, RedisNonceCache
from channels.wechat.routes import WeChatRuntime, wechat_blueprint
from daofu.messages import BotMessage
from daofu.services import Services

log = logging.getLogger(__name__)

__all__ = ["install"]


def _stores(settings: WeChatSettings) -> tuple[TurnStore, OptionStore, NonceCache, Any]:
    # Nonces are remembered a little longer than the timestamp window on either side.
    nonce_ttl = 2 * settings.max_clock_skew + 60
    if not settings.redis_url:
        return (
            MemoryTurnStore(settings.dedupe_ttl), MemoryOptionStore(settings.options_ttl),
            MemoryNonceCache(nonce_ttl), None,
        )  # fmt: skip
    client = redis_client(settings.redis_url)
    return (
        RedisTurnStore(client, settings.dedupe_ttl), RedisOptionStore(client, settings.options_ttl),
        RedisNonceCache(client, nonce_ttl), client,
    )  # fmt: skip


def install(app: Sanic, services: Services) -> None:
    """Add ``/wechat``; without credentials it answers 503 and the rest of the service is unaffected."""
    account = wechat_settings(services.settings)
    problem = "" if account is not None else "DAOFU_WECHAT_TOKEN and DAOFU_WECHAT_APPID are not set"
    if account is None:
        log.info("WeChat channel off: %s", problem)
    gate = gate_of(app, services)
    runtime = WeChatRuntime(account, problem)
    if account is not None and account.aes_key:
        runtime.crypto = MessageCrypto(account.token, account.aes_key, account.appid)
    app.ctx.wechat = runtime
    app.blueprint(wechat_blueprint(runtime))
    if account is None:
        return
    redis_client: list[Any] = []

    @app.before_server_start
    async def start_wechat(app: Sanic) -> None:
        turns, options, runtime.nonces, client = _stores(account)
        if client is not None:
            redis_client.append(client)
        push = None
        if account.push_available:
            push = CustomerServiceClient(account.api_base, account.appid, account.secret)
        else:
            log.warning("DAOFU_WECHAT_SECRET is not set: answers slower than the reply deadline cannot be pushed")

        async def send(sender: str, incoming: Incoming, metadata: dict[str, Any]) -> list[BotMessage]:
            return await gate.turn(sender, incoming, metadata)

        runtime.channel = WeChatChannel(send, turns, options, push)
        gate.push.route(WECHAT_PREFIX, runtime.channel.deliver)
        log.info(
            "WeChat channel on: safe mode %s, deadline %.2f s, %s store",
            "available" if runtime.crypto else "off",
            account.reply_deadline,
            "Redis" if client is not None else "in-memory",
        )

    @app.after_server_stop
    async def stop_wechat(app: Sanic) -> None:
        if runtime.channel is not None:
            await runtime.channel.close()
            runtime.channel = None
        for client in redis_client:
            await client.aclose()
