"""``/wechat``: the official account's server URL (服务器地址).

* ``GET`` is WeChat's URL check: echo ``echostr`` when ``signature`` signs ``timestamp`` and ``nonce``.
* ``POST`` is a user message, plain or encrypted (``encrypt_type=aes`` with ``msg_signature``).

The signature and the timestamp window are checked before the body is even parsed: a forged or
stale request gets 403 and never reaches the dialogue; a nonce reused with another body is refused
too (:mod:`channels.wechat.replay`). With an AES key configured, a request without
``encrypt_type=aes`` is refused rather than read as plaintext. Malformed bodies get 400 with a
one-line reason; nothing answers with a traceback, and nothing of the signed query string is
logged. The reply is sent within the deadline or replaced by "success" (see
:mod:`channels.wechat.channel`). While the shared store (Redis) is away every message is answered
"系统繁忙，请稍后再试" without a dialogue turn, so WeChat's retries can never be answered twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.exceptions import RedisError
from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from channels.shared_state import ThrottledLog
from channels.wechat.channel import WeChatChannel, short_hash
from channels.wechat.config import WeChatSettings
from channels.wechat.crypto import (
    DecryptError,
    InvalidAppId,
    InvalidSignature,
    MessageCrypto,
    verify_signature,
)
from channels.wechat.events import DIALOGUE_DOWN
from channels.wechat.messages import (
    MAX_BODY_BYTES,
    MessageFormatError,
    Outgoing,
    TextOut,
    encrypted_xml,
    parse_fields,
    parse_message,
    reply_xml,
)
from channels.wechat.replay import NonceCache, ReplayRefused, body_digest, check_timestamp

log = logging.getLogger(__name__)

TEST_DEADLINE_HEADER = "X-Daofu-Test-Reply-Deadline"
_store_trouble = ThrottledLog(log)


@dataclass
class WeChatRuntime:
    """What the routes need; ``settings`` is ``None`` (with ``problem`` saying why) when unconfigured."""

    settings: WeChatSettings | None
    problem: str = ""
    crypto: MessageCrypto | None = None
    channel: WeChatChannel | None = None
    nonces: NonceCache | None = None


def _plain(text: str, status: int = 200) -> HTTPResponse:
    return response.text(text, status=status, content_type="text/plain; charset=utf-8")


def _unavailable(runtime: WeChatRuntime) -> HTTPResponse | None:
    if runtime.settings is None:
        return _plain(f"the WeChat channel is not configured: {runtime.problem}", status=503)
    if runtime.channel is None:
        return _plain("the WeChat channel is starting; try again shortly", status=503)
    return None


def _signature_params(request: Request) -> tuple[str, str, str]:
    return (
        request.args.get("signature", ""),
        request.args.get("timestamp", ""),
        request.args.get("nonce", ""),
    )


def _refusal(request: Request, settings: WeChatSettings, what: str) -> HTTPResponse | None:
    """403 unless the query string is signed with our token and its timestamp is fresh."""
    signature, timestamp, nonce = _signature_params(request)
    try:
        verify_signature(settings.token, signature, timestamp, nonce)
        check_timestamp(timestamp, settings.max_clock_skew)
    except InvalidSignature:
        log.warning("wechat %s with an invalid signature from %s", what, request.remote_addr or request.ip)
        return _plain("invalid signature", status=403)
    except ReplayRefused as exc:
        log.warning("wechat %s refused: %s", what, exc)
        return _plain(f"stale request: {exc}", status=403)
    return None


def _shared_store_down(problem: RedisError) -> TextOut:
    """The reply while Redis is away: "busy", and no dialogue turn.

    Without the shared de-duplication another instance could run the same message again for one
    of WeChat's retries; one "try again" is better than two answers.
    """
    _store_trouble.error("wechat: the shared store (Redis) is unavailable (%s); answering busy, no turn", problem)
    return DIALOGUE_DOWN


def _deadline(request: Request, settings: WeChatSettings) -> float:
    if settings.test_hooks:
        raw = request.headers.get(TEST_DEADLINE_HEADER, "")
        try:
            return max(float(raw), 0.0) if raw else settings.reply_deadline
        except ValueError:
            return settings.reply_deadline
    return settings.reply_deadline


def wechat_blueprint(runtime: WeChatRuntime) -> Blueprint:
    blueprint = Blueprint("wechat")

    @blueprint.get("/wechat")
    async def verify_url(request: Request) -> HTTPResponse:
        unavailable = _unavailable(runtime)
        if unavailable is not None:
            return unavailable
        assert runtime.settings is not None
        refused = _refusal(request, runtime.settings, "URL check")
        if refused is not None:
            return refused
        echo = request.args.get("echostr", "")
        if len(echo) > 128 or not echo.isascii():
            return _plain("echostr must be a short ASCII string", status=400)
        return _plain(echo)

    @blueprint.post("/wechat")
    async def receive(request: Request) -> HTTPResponse:
        started = time.monotonic()
        unavailable = _unavailable(runtime)
        if unavailable is not None:
            return unavailable
        settings, channel = runtime.settings, runtime.channel
        assert settings is not None and channel is not None
        refused = _refusal(request, settings, "message")
        if refused is not None:
            return refused
        _signature, timestamp, nonce = _signature_params(request)
        if len(request.body) > MAX_BODY_BYTES:
            return _plain(f"the message is larger than {MAX_BODY_BYTES // 1024} KB", status=413)

        encrypted = request.args.get("encrypt_type", "raw").lower() == "aes"
        if not encrypted and runtime.crypto is not None and not settings.allow_plaintext:
            log.warning("wechat plaintext message refused: safe mode is configured")
            return _plain("plaintext messages are refused: this account uses safe mode (encrypt_type=aes)", 403)
        try:
            fields = parse_fields(request.body)
            if encrypted:
                if runtime.crypto is None:
                    log.error("wechat sent an encrypted message but DAOFU_WECHAT_AES_KEY is not set")
                    return _plain("encrypted messages need DAOFU_WECHAT_AES_KEY, which is not set", status=503)
                if not fields.get("Encrypt"):
                    raise MessageFormatError("an encrypted message lacks Encrypt")
                xml = runtime.crypto.decrypt_message(
                    fields["Encrypt"], request.args.get("msg_signature", ""), timestamp, nonce
                )
                fields = parse_fields(xml.encode("utf-8"))
            message = parse_message(fields)
        except InvalidSignature:
            log.warning("wechat message with an invalid msg_signature from %s", request.remote_addr or request.ip)
            return _plain("invalid msg_signature", status=403)
        except InvalidAppId:
            log.warning("wechat message encrypted for another AppID")
            return _plain("the message was encrypted for another AppID", status=403)
        except (DecryptError, MessageFormatError) as exc:
            log.warning("wechat message rejected: %s", exc)
            return _plain(f"bad WeChat message: {exc}", status=400)
        store_down: RedisError | None = None
        if runtime.nonces is not None:
            try:
                await runtime.nonces.claim(timestamp, nonce, body_digest(request.body))
            except ReplayRefused as exc:
                log.warning("wechat message refused: %s", exc)
                return _plain(f"replayed request: {exc}", status=403)
            except RedisError as exc:
                store_down = exc
        outgoing: Outgoing | None = None
        if store_down is None:
            wait = _deadline(request, settings) - (time.monotonic() - started)
            try:
                outgoing = await channel.answer(message, wait)
            except RedisError as exc:
                store_down = exc
        if store_down is not None:
            outgoing = _shared_store_down(store_down)
        else:
            _store_trouble.recovered("wechat: the shared store (Redis) answers again")
        if outgoing is None:
            return _plain("success")
        xml = reply_xml(outgoing, to_user=message.from_user, from_user=message.to_user, create_time=int(time.time()))
        if encrypted and runtime.crypto is not None:
            envelope = runtime.crypto.encrypt_reply(xml, str(int(time.time())), nonce)
            xml = encrypted_xml(envelope.encrypt, envelope.signature, envelope.timestamp, envelope.nonce)
        log.info(
            "wechat %s: passive reply sent after %.2f s", short_hash(message.dedupe_key), time.monotonic() - started
        )
        return response.text(xml, content_type="application/xml; charset=utf-8")

    return blueprint
