"""Which portal origins may embed the widget (DAOFU_WIDGET_ORIGINS)."""

from __future__ import annotations

import pytest

from channels.widget.config import WidgetSettings, load_widget_settings, parse_origins
from daofu.config import Settings, SettingsError


def test_any_origin_by_default():
    widget = load_widget_settings(Settings.from_env({}))
    assert widget.any_origin and widget.allows("https://anything.example")
    assert widget.cors_headers("https://anything.example") == {"Access-Control-Allow-Origin": "*"}
    assert parse_origins("*") == ("*",) and parse_origins("https://a.example, *") == ("*",)


def test_a_list_of_origins_allows_only_those():
    widget = WidgetSettings(parse_origins("https://www.ningbo.gov.cn/, http://127.0.0.1:8000"))
    assert widget.origins == ("https://www.ningbo.gov.cn", "http://127.0.0.1:8000")
    assert widget.allows("https://www.ningbo.gov.cn") and widget.allows(None)  # no Origin: not from a page
    assert not widget.allows("https://evil.example")
    assert widget.cors_headers("https://www.ningbo.gov.cn") == {
        "Access-Control-Allow-Origin": "https://www.ningbo.gov.cn", "Vary": "Origin"}  # fmt: skip
    assert widget.cors_headers("https://evil.example") == {"Vary": "Origin"}


@pytest.mark.parametrize("raw", ["www.ningbo.gov.cn", "https://a.example/path", "ftp://a.example", "https://"])
def test_values_that_are_not_origins_are_refused(raw):
    with pytest.raises(SettingsError, match=r"DAOFU_WIDGET_ORIGINS: .* not an origin"):
        parse_origins(raw)
