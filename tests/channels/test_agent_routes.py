"""The agent API in an in-process app: tokens, 401/503, guide detail, SMS, send-link, hand-offs, report.

The catalogue is the demo one the setup built under var/ (read only); the lookup log and the
conversation records live in a temporary SQLite file. Search needs the loaded index and is tested
against the real service in tests/e2e/test_agent_console.py.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sanic import Sanic
from sqlalchemy import create_engine, text

import channels.agent
from channels.agent.config import AgentDirectory
from channels.agent.lookup_log import LookupLog
from channels.agent.routes import AgentBackend
from daofu.config import PROJECT_ROOT, Settings
from daofu.records import ConversationRecords
from knowledge.db import create_engine_for
from knowledge.repository import Catalog
from tests.channels.conftest import asgi_lifespan, services_for

GUIDE = "NB-330212-NBC-A-033"
TOKEN, OTHER_TOKEN = "route-test-token-1", "route-test-token-2"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
_names = itertools.count()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    settings = Settings(var_dir=PROJECT_ROOT / "var")
    if not (settings.var_dir / "knowledge.db").exists():
        pytest.fail("no catalogue under var/: run `.venv/bin/daofu setup` (./scripts/test.sh does it)")
    return Catalog(create_engine_for(settings.database_url), settings)


@pytest.fixture
def backend(tmp_path, catalog) -> AgentBackend:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    records = ConversationRecords(create_engine_for(url))

    def no_searcher() -> Any:
        raise AssertionError("these tests do not search")

    return AgentBackend(
        directory=AgentDirectory(tokens={TOKEN: "agent-1", OTHER_TOKEN: "agent-2"}),
        catalog=catalog,
        searcher=no_searcher,
        records=records,
        lookups=LookupLog(create_engine(url)),
    )


Call = tuple[str, str, dict[str, Any]]


def run(backend: AgentBackend, *calls: Call | Callable[[], None]) -> list[httpx.Response]:
    """Start an app with the console (lifespan included), make the calls in order, stop it."""
    app = Sanic(f"agent_routes_{next(_names)}")
    app.config.TOUCHUP = False
    channels.agent.install(app, services_for(), backend=backend)

    async def scenario() -> list[httpx.Response]:
        out = []
        async with (
            asgi_lifespan(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client,
        ):
            for call in calls:
                if callable(call):
                    call()
                    continue
                method, path, options = call
                out.append(await client.request(method, path, **options))
        return out

    return asyncio.run(scenario())


def one(backend: AgentBackend, method: str, path: str, **options: Any) -> httpx.Response:
    return run(backend, (method, path, options))[0]


# --- who may use the console ----------------------------------------------------------------------


def test_without_tokens_the_api_says_the_console_is_not_configured(backend):
    backend.directory = AgentDirectory(problem="no agent tokens are configured; set DAOFU_AGENT_TOKENS=…")
    for path in ("/api/agent/status", "/api/agent/me", f"/api/agent/guides/{GUIDE}"):
        reply = one(backend, "GET", path, headers=AUTH)
        assert reply.status_code == 503
        assert "not configured" in reply.json()["error"] and "DAOFU_AGENT_TOKENS" in reply.json()["error"]
    page = one(backend, "GET", "/agent")
    assert page.status_code == 200 and "坐席控制台未配置" in page.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
     {"Authorization": "Bearer wrong-token-123"}, {"Authorization": f"Bearer {TOKEN}x"}],
)  # fmt: skip
def test_requests_without_a_valid_bearer_token_get_401_with_a_clear_error(backend, headers):
    for method, path in (("GET", "/api/agent/me"), ("GET", "/api/agent/handoffs"), ("POST", "/api/agent/handoffs/1"),
                         ("GET", "/api/agent/report"), ("GET", f"/api/agent/guides/{GUIDE}/sms")):  # fmt: skip
        reply = one(backend, method, path, headers=headers)
        assert reply.status_code == 401, (method, path)
        assert reply.headers["www-authenticate"].startswith("Bearer")
        assert "token" in reply.json()["error"]
    assert backend.lookups.count() == 0  # refused requests leave nothing behind


def test_each_token_is_its_agent(backend):
    me, other, status = run(
        backend,
        ("GET", "/api/agent/me", {"headers": AUTH}),
        ("GET", "/api/agent/me", {"headers": {"Authorization": f"bearer {OTHER_TOKEN}"}}),
        ("GET", "/api/agent/status", {}),
    )
    assert me.json() == {"agent_id": "agent-1"} and other.json() == {"agent_id": "agent-2"}
    assert status.status_code == 200 and status.json()["configured"] is True


def test_the_page_and_its_files_are_served_with_a_strict_policy(backend):
    page, script, style, missing = run(
        backend, ("GET", "/agent", {}), ("GET", "/agent/static/agent.js", {}), ("GET", "/agent/static/agent.css", {}),
        ("GET", "/agent/static/secret.py", {}),
    )  # fmt: skip
    assert page.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
    assert 'id="login-form"' in page.text and 'src="/agent/static/agent.js"' in page.text
    assert script.headers["content-type"] == "text/javascript; charset=utf-8" and "innerHTML" not in script.text
    assert style.headers["content-type"] == "text/css; charset=utf-8"
    assert missing.status_code == 404


# --- guides, SMS, links -----------------------------------------------------------------------------


def test_the_guide_detail_has_every_field_and_is_logged(backend):
    reply = one(backend, "GET", f"/api/agent/guides/{GUIDE}", headers=AUTH, params={"q": "身份证快到期 13812345678"})
    guide = reply.json()
    assert guide["name"] == "居民身份证换领" and guide["region"] == "鄞州区"
    for field in ("materials", "steps", "legal_days", "promised_days", "fee", "address", "hours", "phone", "online",
                  "form_url", "department", "conditions", "demo", "demo_notice"):  # fmt: skip
        assert field in guide, field
    assert set(guide["materials"][0]) == {"name", "form", "copies", "required", "e_license", "note"}
    assert set(guide["online"]) == {"web", "mobile", "zero_visit", "max_visits"}
    assert guide["demo"] is True and "演示数据" in guide["demo_notice"]
    (entry,) = backend.lookups.recent()
    assert (entry.agent_id, entry.action, entry.guide_id, entry.matter_code) == ("agent-1", "view", GUIDE, "NBC-A-033")
    assert entry.query == "身份证快到期 138****5678"


def test_unknown_guides_get_404(backend):
    for path in ("/api/agent/guides/NB-NOPE", "/api/agent/guides/NB-NOPE/sms"):
        reply = one(backend, "GET", path, headers=AUTH)
        assert reply.status_code == 404 and "NB-NOPE" in reply.json()["error"]
    reply = one(backend, "POST", "/api/agent/guides/NB-NOPE/send-link", headers=AUTH, json={})
    assert reply.status_code == 404


def test_the_sms_text_fits_and_carries_the_form_link(backend, catalog):
    reply = one(backend, "GET", f"/api/agent/guides/{GUIDE}/sms", headers=AUTH, params={"region": "鄞州区"})
    sms = reply.json()
    assert sms["length"] == len(sms["text"]) <= sms["limit"] == 300
    assert catalog.guide(GUIDE).form_url in sms["text"] and "居民身份证换领（鄞州区办理）" in sms["text"]
    assert sms["region"] == "鄞州区"
    assert [entry.action for entry in backend.lookups.recent()] == ["sms"]


def test_a_per_district_matter_gets_no_sms_without_the_callers_district(backend):
    missing, wrong, bad, link = run(
        backend,
        ("GET", f"/api/agent/guides/{GUIDE}/sms", {"headers": AUTH}),
        ("GET", f"/api/agent/guides/{GUIDE}/sms", {"headers": AUTH, "params": {"region": "海曙区"}}),
        ("GET", f"/api/agent/guides/{GUIDE}/sms", {"headers": AUTH, "params": {"region": "火星区"}}),
        ("POST", f"/api/agent/guides/{GUIDE}/send-link", {"headers": AUTH, "json": {}}),
    )
    assert missing.status_code == 409 and missing.json()["needs_region"] is True
    assert "请先选择来电人所在的区县" in missing.json()["error"]
    assert wrong.status_code == 409 and wrong.json()["guide_id"] == "NB-330203-NBC-A-033"
    assert "海曙区" in wrong.json()["error"]
    assert bad.status_code == 400
    assert link.status_code == 409
    assert backend.lookups.recent() == []  # nothing was copied or sent


def test_the_guide_of_the_chosen_district_opens_and_says_it_is_per_district(backend):
    chosen, detail = run(
        backend,
        ("GET", "/api/agent/matters/NBC-A-033/guide", {"headers": AUTH, "params": {"region": "北仑区"}}),
        ("GET", f"/api/agent/guides/{GUIDE}", {"headers": AUTH}),
    )
    assert chosen.status_code == 200
    assert chosen.json()["region"] == "北仑区" and chosen.json()["per_district"] is True
    assert detail.json()["per_district"] is True


def test_links_use_the_configured_public_address(tmp_path):
    settings = Settings(var_dir=PROJECT_ROOT / "var", public_url_override="https://zwfw.example.gov.cn")
    catalog = Catalog(create_engine_for(Settings(var_dir=PROJECT_ROOT / "var").database_url), settings)
    url = f"sqlite:///{tmp_path / 'service.db'}"
    backend = AgentBackend(
        directory=AgentDirectory(tokens={TOKEN: "agent-1"}), catalog=catalog, searcher=lambda: None,
        records=ConversationRecords(create_engine_for(url)), lookups=LookupLog(create_engine(url)),
    )  # fmt: skip
    sms = one(backend, "GET", f"/api/agent/guides/{GUIDE}/sms", headers=AUTH, params={"region": "鄞州区"}).json()
    assert "https://zwfw.example.gov.cn/forms/NBC-A-033" in sms["text"] and "127.0.0.1" not in sms["text"]


def test_sending_a_link_is_recorded_with_the_number_masked(backend):
    body = {"phone": "13812345678", "q": "换身份证，身份证号330203199001011234", "region": "鄞州区"}
    reply = one(backend, "POST", f"/api/agent/guides/{GUIDE}/send-link", headers=AUTH, json=body)
    body = reply.json()
    assert reply.status_code == 200 and body["recorded"] is True
    assert body["phone"] == "138****5678" and "未真正发出" in body["note"]
    with backend.lookups.engine.connect() as connection:
        stored = repr(connection.execute(text("SELECT * FROM agent_lookup")).all())
    assert "13812345678" not in stored and "330203199001011234" not in stored
    (entry,) = backend.lookups.recent()
    assert (entry.action, entry.phone, entry.guide_id) == ("send_link", "138****5678", GUIDE)


def test_sending_a_link_without_a_number_is_fine(backend):
    reply = one(backend, "POST", f"/api/agent/guides/{GUIDE}/send-link", headers=AUTH, json={"region": "鄞州区"})
    assert reply.status_code == 200 and reply.json()["phone"] is None


@pytest.mark.parametrize(
    "options, problem",
    [({"json": {"phone": "12345"}}, "mobile"), ({"json": {"phone": 13812345678}}, "string"),
     ({"content": b"{bad", "headers": {"content-type": "application/json"}}, "JSON"), ({"json": [1]}, "JSON")],
)  # fmt: skip
def test_bad_send_link_requests_get_400(backend, options, problem):
    headers = {**AUTH, **options.pop("headers", {})}
    reply = one(backend, "POST", f"/api/agent/guides/{GUIDE}/send-link", headers=headers, **options)
    assert reply.status_code == 400 and problem in reply.json()["error"]
    assert backend.lookups.count() == 0


def test_a_missing_search_index_is_a_503_not_a_traceback(backend):
    from indexer.errors import IndexMissingError

    def missing() -> Any:
        raise IndexMissingError("no search index in var/index; run `daofu index build` (the setup does it)")

    backend.searcher = missing
    reply = one(backend, "GET", "/api/agent/search", headers=AUTH, params={"q": "身份证"})
    assert reply.status_code == 503 and "search index" in reply.json()["error"]


def test_regions_are_the_districts(backend):
    regions = one(backend, "GET", "/api/agent/regions", headers=AUTH).json()["regions"]
    names = [region["name"] for region in regions]
    assert "鄞州区" in names and "宁海县" in names and "宁波市" not in names and len(names) == 10


# --- the hand-off queue -----------------------------------------------------------------------------


def test_handoffs_are_queued_taken_and_closed(backend):
    records = backend.records
    first = records.open_handoff("web-a", channel="widget", reason="user_request", summary="用户：转人工",
                                 matter_code="NBC-A-033", guide_id=GUIDE, region="鄞州区")  # fmt: skip
    second = records.open_handoff("wx-b", channel="wechat", reason="no_match", summary="用户：火星签证")
    queue, taken, after_take, closed, after_close, closed_list = run(
        backend,
        ("GET", "/api/agent/handoffs", {"headers": AUTH}),
        ("POST", f"/api/agent/handoffs/{first.id}", {"headers": AUTH, "json": {"status": "taken"}}),
        ("GET", "/api/agent/handoffs", {"headers": AUTH}),
        ("POST", f"/api/agent/handoffs/{first.id}", {"headers": AUTH, "json": {"status": "closed"}}),
        ("GET", "/api/agent/handoffs", {"headers": AUTH}),
        ("GET", "/api/agent/handoffs", {"headers": AUTH, "params": {"status": "closed"}}),
    )
    assert [h["id"] for h in queue.json()["handoffs"]] == [first.id, second.id]
    assert [h["position"] for h in queue.json()["handoffs"]] == [1, 2]
    assert all(isinstance(h["waiting_seconds"], int) for h in queue.json()["handoffs"])
    assert queue.json()["handoffs"][0]["summary"] == "用户：转人工"
    assert queue.json()["handoffs"][0]["matter_name"] == "居民身份证换领"
    assert queue.json()["handoffs"][1]["matter_name"] is None
    assert taken.json()["status"] == "taken" and taken.json()["taken_by"] == "agent-1"
    # Waiting ones first (the longest wait on top), then the ones agents hold.
    assert [(h["id"], h["status"]) for h in after_take.json()["handoffs"]] == [(second.id, "open"), (first.id, "taken")]
    assert closed.json()["status"] == "closed"
    assert [h["id"] for h in after_close.json()["handoffs"]] == [second.id]
    assert [h["id"] for h in closed_list.json()["handoffs"]] == [first.id]


@pytest.mark.parametrize("body", [{}, {"status": "open"}, {"status": "deleted"}, None])
def test_bad_handoff_updates_get_400(backend, body):
    handoff = backend.records.open_handoff("web-a", channel="widget", reason="user_request", summary="…")
    reply = one(backend, "POST", f"/api/agent/handoffs/{handoff.id}", headers=AUTH, json=body)
    assert reply.status_code == 400 and "taken" in reply.json()["error"]


def test_unknown_handoffs_and_states(backend):
    missing, bad_filter = run(
        backend,
        ("POST", "/api/agent/handoffs/999", {"headers": AUTH, "json": {"status": "taken"}}),
        ("GET", "/api/agent/handoffs", {"headers": AUTH, "params": {"status": "lost"}}),
    )
    assert missing.status_code == 404 and "999" in missing.json()["error"]
    assert bad_filter.status_code == 400


# --- the monthly report -----------------------------------------------------------------------------


def test_the_report_counts_this_months_lookups_by_agent(backend):
    other = {"Authorization": f"Bearer {OTHER_TOKEN}"}
    *_, report, empty, bad = run(
        backend,
        ("GET", f"/api/agent/guides/{GUIDE}", {"headers": AUTH}),
        ("GET", f"/api/agent/guides/{GUIDE}/sms", {"headers": AUTH, "params": {"region": "鄞州区"}}),
        (
            "POST",
            f"/api/agent/guides/{GUIDE}/send-link",
            {"headers": other, "json": {"phone": "0574-87654321", "region": "鄞州区"}},
        ),
        ("GET", "/api/agent/report", {"headers": AUTH}),
        ("GET", "/api/agent/report", {"headers": AUTH, "params": {"month": "2001-01"}}),
        ("GET", "/api/agent/report", {"headers": AUTH, "params": {"month": "2025-13"}}),
    )
    body = report.json()
    assert body["lookups"] == {"total": 3, "search": 0, "view": 1, "sms": 1, "send_link": 1}
    assert [(a["agent_id"], a["total"]) for a in body["agents"]] == [("agent-1", 2), ("agent-2", 1)]
    assert body["top_guides"] == [{"guide_id": GUIDE, "name": "居民身份证换领", "count": 3}]
    assert body["links_sent"] == 1 and body["handoffs"]["total"] == 0 and body["ratings"]["total"] == 0
    assert empty.json()["lookups"]["total"] == 0 and empty.json()["month"] == "2001-01"
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["error"]
