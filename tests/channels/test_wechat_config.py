"""WeChat settings from the environment: defaults, and one clear message per mistake, naming the variable."""

from __future__ import annotations

import pytest

from channels.wechat.config import DEFAULT_API_BASE, wechat_settings
from daofu.config import Settings, SettingsError


def load_wechat_settings(env: dict[str, str]):
    return wechat_settings(Settings.from_env(env))


AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
MINIMAL = {"DAOFU_WECHAT_TOKEN": "t0ken", "DAOFU_WECHAT_APPID": "wx123"}


def test_defaults():
    settings = load_wechat_settings(MINIMAL)
    assert settings.api_base == DEFAULT_API_BASE == "https://api.weixin.qq.com"
    assert settings.reply_deadline == 4.5
    assert not settings.safe_mode_available and not settings.push_available
    assert settings.redis_url == "" and settings.test_hooks is False


def test_everything_set():
    settings = load_wechat_settings(
        {
            **MINIMAL,
            "DAOFU_WECHAT_AES_KEY": AES_KEY,
            "DAOFU_WECHAT_SECRET": "s3cret",
            "DAOFU_WECHAT_API_BASE": "http://127.0.0.1:9999/",
            "DAOFU_WECHAT_REPLY_DEADLINE": "3",
            "DAOFU_WECHAT_REDIS_URL": "redis://127.0.0.1:6379/2",
        }
    )
    assert settings.safe_mode_available and settings.push_available
    assert settings.api_base == "http://127.0.0.1:9999"
    assert settings.reply_deadline == 3.0
    assert settings.redis_url == "redis://127.0.0.1:6379/2"


def test_no_credentials_means_the_channel_is_off():
    assert load_wechat_settings({}) is None
    assert load_wechat_settings({"DAOFU_WECHAT_REPLY_DEADLINE": "3"}) is None


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DAOFU_WECHAT_APPID": "wx1"}, "DAOFU_WECHAT_TOKEN: not set"),
        ({"DAOFU_WECHAT_TOKEN": "t"}, "DAOFU_WECHAT_APPID: not set"),
        ({**MINIMAL, "DAOFU_WECHAT_AES_KEY": "short"}, "43-character"),
        ({**MINIMAL, "DAOFU_WECHAT_AES_KEY": "!" * 43}, "not valid base64"),
        ({**MINIMAL, "DAOFU_WECHAT_REPLY_DEADLINE": "soon"}, "not a number"),
        ({**MINIMAL, "DAOFU_WECHAT_REPLY_DEADLINE": "nan"}, "not a positive number"),
        ({**MINIMAL, "DAOFU_WECHAT_REPLY_DEADLINE": "6"}, "at most 4.9"),
        ({**MINIMAL, "DAOFU_WECHAT_REPLY_DEADLINE": "0"}, "not a positive number"),
    ],
)
def test_mistakes_are_reported_clearly(env, message):
    with pytest.raises(SettingsError, match=message):
        load_wechat_settings(env)
