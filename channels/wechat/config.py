"""The WeChat channel's settings, read from the environment.

The credentials of an official account (token, AppID, EncodingAESKey, AppSecret) must never be
committed, so they come only from the environment. A service without them still runs: the channel
reports itself as not configured (``/wechat`` answers 503 with the reason) and every other
channel works. A wrong value (an EncodingAESKey of the wrong length, a deadline that is not a
number) is reported the same way instead of stopping the whole service.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from daofu.errors import DaofuError

DEFAULT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_REPLY_DEADLINE = 4.5
# WeChat gives up on a request after 5 s and retries it twice more; an answer remembered for a
# few minutes covers every retry of one message.
DEFAULT_DEDUPE_TTL = 300.0
# How long a numbered option list stays valid for a reply such as "1".
DEFAULT_OPTIONS_TTL = 1800.0


class WeChatConfigError(DaofuError):
    """The WeChat settings in the environment are missing or invalid."""


@dataclass(frozen=True)
class WeChatSettings:
    """Everything the channel needs to talk to one official account."""

    token: str
    appid: str
    aes_key: str = ""
    secret: str = ""
    api_base: str = DEFAULT_API_BASE
    reply_deadline: float = DEFAULT_REPLY_DEADLINE
    redis_url: str = ""
    dedupe_ttl: float = DEFAULT_DEDUPE_TTL
    options_ttl: float = DEFAULT_OPTIONS_TTL
    # Only for the test suite: lets a request lower its own reply deadline through a header, so the
    # slow path (answer pushed through the customer-service API) can be driven with the real dialogue.
    test_hooks: bool = False

    def __post_init__(self) -> None:
        if not self.token:
            raise WeChatConfigError(
                "DAOFU_WECHAT_TOKEN is not set (the token entered in the account's server settings)"
            )
        if not self.appid:
            raise WeChatConfigError("DAOFU_WECHAT_APPID is not set (the official account's AppID)")
        if self.aes_key:
            check_aes_key(self.aes_key)
        if not (0 < self.reply_deadline <= 4.9):
            raise WeChatConfigError(
                f"DAOFU_WECHAT_REPLY_DEADLINE={self.reply_deadline} must be more than 0 and at most 4.9 seconds "
                "(WeChat waits 5 s for a reply)"
            )
        if self.dedupe_ttl <= 0 or self.options_ttl <= 0:
            raise WeChatConfigError("DAOFU_WECHAT_DEDUPE_TTL and DAOFU_WECHAT_OPTIONS_TTL must be positive seconds")

    @property
    def safe_mode_available(self) -> bool:
        """Whether encrypted (safe/compatible mode) messages can be read."""
        return bool(self.aes_key)

    @property
    def push_available(self) -> bool:
        """Whether slow answers can be sent later through the customer-service API."""
        return bool(self.secret)


def check_aes_key(aes_key: str) -> bytes:
    """Decode an EncodingAESKey (43 base64 characters) into the 32-byte AES key."""
    if len(aes_key) != 43:
        raise WeChatConfigError(
            f"DAOFU_WECHAT_AES_KEY must be the 43-character EncodingAESKey from the account settings, "
            f"not {len(aes_key)} characters"
        )
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise WeChatConfigError("DAOFU_WECHAT_AES_KEY is not valid base64 (letters, digits, + and / only)") from None
    if len(key) != 32:
        raise WeChatConfigError("DAOFU_WECHAT_AES_KEY does not decode to a 32-byte AES key")
    return key


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise WeChatConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not math.isfinite(value):
        raise WeChatConfigError(f"{name}={raw!r} is not a number of seconds")
    return value


def load_wechat_settings(env: Mapping[str, str] | None = None) -> WeChatSettings:
    """Read the settings; raise :class:`WeChatConfigError` saying what is missing or wrong."""
    env = os.environ if env is None else env

    def get(name: str) -> str:
        return env.get(name, "").strip()

    return WeChatSettings(
        token=get("DAOFU_WECHAT_TOKEN"),
        appid=get("DAOFU_WECHAT_APPID"),
        aes_key=get("DAOFU_WECHAT_AES_KEY"),
        secret=get("DAOFU_WECHAT_SECRET"),
        api_base=(get("DAOFU_WECHAT_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
        reply_deadline=_float(env, "DAOFU_WECHAT_REPLY_DEADLINE", DEFAULT_REPLY_DEADLINE),
        redis_url=get("DAOFU_WECHAT_REDIS_URL"),
        dedupe_ttl=_float(env, "DAOFU_WECHAT_DEDUPE_TTL", DEFAULT_DEDUPE_TTL),
        options_ttl=_float(env, "DAOFU_WECHAT_OPTIONS_TTL", DEFAULT_OPTIONS_TTL),
        test_hooks=get("DAOFU_WECHAT_TEST_HOOKS") == "1",
    )
