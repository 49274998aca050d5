"""``/forms/<matter_code>`` in an in-process app over the demo catalogue the setup built under var/.

The catalogue is only read here. The browser view of the same page is in tests/e2e/test_forms.py.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import replace
from html import unescape

import httpx
import pytest
from sanic import Sanic

import channels.forms
from daofu.config import PROJECT_ROOT, Settings
from daofu.services import Services
from knowledge import DEMO_NOTICE
from tests.channels.conftest import asgi_lifespan

GUIDE = "NB-330212-NBC-A-033"  # 居民身份证换领, 鄞州区
MATTER = "NBC-A-033"
_names = itertools.count()


@pytest.fixture(scope="module")
def settings() -> Settings:
    var_dir = PROJECT_ROOT / "var"
    if not (var_dir / "knowledge.db").exists():
        pytest.fail("no catalogue under var/: run `.venv/bin/daofu setup` (./scripts/test.sh does it)")
    return Settings(var_dir=var_dir, host="127.0.0.1", port=8000, public_url_override="", portal_form_template=
                    "{public_url}/forms/{matter_code}?guide={guide_id}")  # fmt: skip


def fetch(settings: Settings, *requests: tuple[str, str, dict]) -> list[httpx.Response]:
    """Run the requests against a fresh app with only the forms installed."""
    app = Sanic(f"forms_test_{next(_names)}")
    app.config.TOUCHUP = False
    channels.forms.install(app, Services.open(settings))

    async def scenario() -> list[httpx.Response]:
        async with asgi_lifespan(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
                return [await client.request(method, path, params=params) for method, path, params in requests]

    return asyncio.run(scenario())


def get(settings: Settings, path: str, **params: str) -> httpx.Response:
    return fetch(settings, ("GET", path, params))[0]


def field_value(html: str, name: str) -> str:
    match = re.search(rf'<input id="f-{name}" name="{name}" type="text" value="([^"]*)"', html)
    assert match, f"no field {name}"
    return unescape(match.group(1))


def test_the_form_shows_the_guide_and_region_it_was_opened_for(settings):
    page = get(settings, f"/forms/{MATTER}", guide=GUIDE, region="鄞州区", applicant_type="个人")
    assert page.status_code == 200
    html = page.text
    assert "在线申报：居民身份证换领" in html
    assert f'<code class="guide-id">{GUIDE}</code>' in html and '<strong class="guide-region">鄞州区</strong>' in html
    assert field_value(html, "region") == "鄞州区"
    assert field_value(html, "matter") == "居民身份证换领"
    assert '<option value="个人" selected>' in html
    assert html.count('<span class="prefilled">') == 2  # region and applicant type came with the link
    assert DEMO_NOTICE in html and "演示页面" in html


def test_every_required_material_is_on_the_checklist(settings):
    from knowledge.db import create_engine_for
    from knowledge.repository import Catalog

    guide = Catalog(create_engine_for(settings.database_url), settings).guide(GUIDE)
    html = get(settings, f"/forms/{MATTER}", guide=GUIDE).text
    assert html.count('name="material"') == len(guide.materials) > 0
    for material in guide.materials:
        assert f'<span class="material-name">{material.name}</span>' in html


def test_prefilled_values_are_escaped_in_text_and_attributes(settings):
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    html = get(settings, f"/forms/{MATTER}", guide=GUIDE, region=attack, matter=attack, **{"<b>key</b>": attack}).text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>key</b>" not in html
    assert field_value(html, "region") == attack  # shown exactly as given, as text
    assert "&lt;b&gt;key&lt;/b&gt;" in html  # extra parameters keep their (escaped) names as labels


def test_pages_forbid_scripts_and_outside_resources(settings):
    page = get(settings, f"/forms/{MATTER}", guide=GUIDE)
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script" not in policy
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    css = get(settings, "/forms/static/forms.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path, params, reason",
    [
        ("/forms/NBC-NOPE-999", {}, "事项编码 NBC-NOPE-999 不在目录中"),
        (f"/forms/{MATTER}", {"guide": "NB-0000-NOPE"}, "办事指南 NB-0000-NOPE 不在目录中"),
        ("/forms/NBC-A-001", {"guide": GUIDE}, f"办事指南 {GUIDE} 不属于事项 NBC-A-001"),
    ],
)
def test_unknown_matters_and_guides_get_a_clear_404_page(settings, path, params, reason):
    page = get(settings, path, **params)
    assert page.status_code == 404
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "未找到申报事项" in page.text and reason in page.text
    assert "Traceback" not in page.text


def test_without_a_guide_the_linked_region_chooses_it(settings):
    html = get(settings, f"/forms/{MATTER}", region="海曙区").text
    assert '<strong class="guide-region">海曙区</strong>' in html
    assert 'class="guide-id">NB-330203-NBC-A-033<' in html


def test_the_real_portal_link_is_shown_when_the_template_points_elsewhere(settings):
    default = get(settings, f"/forms/{MATTER}", guide=GUIDE).text
    assert "正式门户" not in default
    portal = replace(settings, portal_form_template="https://zwfw.example.gov.cn/apply?item={matter_code}&g={guide_id}")
    html = get(portal, f"/forms/{MATTER}", guide=GUIDE).text
    link = f"https://zwfw.example.gov.cn/apply?item={MATTER}&amp;g={GUIDE}"
    assert f'<a href="{link}" rel="noopener noreferrer">{link}</a>' in html


def test_a_portal_template_that_is_not_http_is_shown_but_not_linked(settings):
    odd = replace(settings, portal_form_template="javascript:alert('{matter_code}')")
    html = get(odd, f"/forms/{MATTER}", guide=GUIDE).text
    assert "javascript:" in html and 'href="javascript:' not in html


def test_submitting_the_demo_form_stores_nothing_and_says_so(settings):
    (page,) = fetch(settings, ("POST", f"/forms/{MATTER}", {"guide": GUIDE}))
    assert page.status_code == 200
    assert "没有提交到任何系统" in page.text
