"""The WeChat channel's settings: the official account's credentials and the channel's limits.

The credentials of an official account (token, AppID, EncodingAESKey, AppSecret) must never be
committed, so they come only from the environment (``DAOFU_WECHAT_*``, read once by
:mod:`daofu.config`). A service without any of them still runs: the channel reports itself as not
configured (``/wechat`` answers 503 with the reason) and every other channel works. A wrong value
(an EncodingAESKey of the wrong length, a token without an AppID) stops the service at start with
one line naming the variable (:class:`WeChatConfigError`, a :class:`~daofu.config.SettingsError`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from daofu.config import DEFAULT_WECHAT_API_BASE, Settings, SettingsError

DEFAULT_API_BASE = DEFAULT_WECHAT_API_BASE
DEFAULT_REPLY_DEADLINE = 4.5
# WeChat gives up on a request after 5 s and retries it twice more; an answer remembered for a
# few minutes covers every retry of one message.
DEFAULT_DEDUPE_TTL = 300.0
# How long a numbered option list stays valid for a reply such as "1".
DEFAULT_OPTIONS_TTL = 1800.0
# How far a request's timestamp may be from now. Shorter than the de-duplication TTL, so that any
# request inside the window is still known to the de-duplication store (see channels/wechat/replay.py).
DEFAULT_MAX_CLOCK_SKEW = 240.0
CREDENTIALS = ("DAOFU_WECHAT_TOKEN", "DAOFU_WECHAT_APPID", "DAOFU_WECHAT_AES_KEY", "DAOFU_WECHAT_SECRET")


class WeChatConfigError(SettingsError):
    """A ``DAOFU_WECHAT_*`` variable is missing or holds a value the channel cannot use."""


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
    max_clock_skew: float = DEFAULT_MAX_CLOCK_SKEW
    # With an AES key set, plaintext messages are refused (a request could otherwise drop
    # ``encrypt_type`` and downgrade itself); only a migration would allow both.
    allow_plaintext: bool = False
    # Only for the test suite: lets a request lower its own reply deadline through a header, so the
    # slow path (answer pushed through the customer-service API) can be driven with the real dialogue.
    test_hooks: bool = False

    def __post_init__(self) -> None:
        if not self.token:
            raise WeChatConfigError(
                "DAOFU_WECHAT_TOKEN", "not set (the token entered in the account's server settings)"
            )
        if not self.appid:
            raise WeChatConfigError("DAOFU_WECHAT_APPID", "not set (the official account's AppID)")
        if self.aes_key:
            check_aes_key(self.aes_key)
        if not (0 < self.reply_deadline <= 4.9):
            raise WeChatConfigError(
                "DAOFU_WECHAT_REPLY_DEADLINE",
                f"{self.reply_deadline} must be more than 0 and at most 4.9 seconds (WeChat waits 5 s for a reply)",
            )
        if self.dedupe_ttl <= 0 or self.options_ttl <= 0:
            raise WeChatConfigError("DAOFU_WECHAT_DEDUPE_TTL", "the TTLs must be positive seconds")
        if not 0 < self.max_clock_skew < self.dedupe_ttl:
            raise WeChatConfigError(
                "DAOFU_WECHAT_MAX_CLOCK_SKEW",
                f"{self.max_clock_skew:g} s must be shorter than DAOFU_WECHAT_DEDUPE_TTL ({self.dedupe_ttl:g} s), "
                "so that every request inside the window is still known to the de-duplication store",
            )

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
    name = "DAOFU_WECHAT_AES_KEY"
    if len(aes_key) != 43:
        raise WeChatConfigError(
            name, f"must be the 43-character EncodingAESKey from the account settings, not {len(aes_key)} characters"
        )
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise WeChatConfigError(name, "is not valid base64 (letters, digits, + and / only)") from None
    if len(key) != 32:
        raise WeChatConfigError(name, "does not decode to a 32-byte AES key")
    return key


def wechat_settings(settings: Settings) -> WeChatSettings | None:
    """The channel's settings, or None when no credential is set (the channel is off).

    Raises :class:`WeChatConfigError` when some are set but not enough, or a value is unusable.
    """
    if not any(settings.is_set(name) for name in CREDENTIALS):
        return None
    return WeChatSettings(
        token=settings.wechat_token,
        appid=settings.wechat_appid,
        aes_key=settings.wechat_aes_key,
        secret=settings.wechat_secret,
        api_base=settings.wechat_api_base,
        reply_deadline=settings.wechat_reply_deadline,
        redis_url=settings.wechat_redis_url or settings.redis_url,
        dedupe_ttl=settings.wechat_dedupe_ttl,
        options_ttl=settings.wechat_options_ttl,
        max_clock_skew=settings.wechat_max_clock_skew,
        allow_plaintext=settings.wechat_allow_plaintext,
        test_hooks=settings.wechat_test_hooks,
    )
