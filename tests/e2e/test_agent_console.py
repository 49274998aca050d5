"""The hotline agent console against the real service: its JSON API and the page in headless Chromium.

The service runs with the agent tokens of :data:`tests.e2e.conftest.AGENT_TOKENS`. Hand-offs are put
in the queue through :class:`daofu.records.ConversationRecords` — the same call the dialogue's action
makes — so the queue is tested whatever the bot says; the whole path from a widget conversation
to the queue is in tests/e2e/test_widget_browser.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import create_engine

from channels.agent.lookup_log import Lookup, LookupLog
from daofu.processes import ServerPair
from daofu.records import ConversationRecords
from knowledge.db import create_engine_for
from tests.e2e.conftest import AGENT_TOKENS, BROWSER_WINDOW, CONSOLE_WINDOW, PHONE_WINDOW, save_screenshot

pytestmark = pytest.mark.e2e

(AGENT, TOKEN), (OTHER_AGENT, OTHER_TOKEN) = list(AGENT_TOKENS.items())[:2]
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEED = "身份证快到期了怎么换"


def lookups(servers: ServerPair) -> LookupLog:
    return LookupLog(create_engine(servers.settings.database_url))


def newest(servers: ServerPair, action: str) -> Lookup:
    return next(entry for entry in lookups(servers).recent(limit=200) if entry.action == action)


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_refuses_missing_and_wrong_tokens(service):
    for headers in ({}, {"Authorization": "Bearer not-a-token-at-all"}, {"Authorization": f"Token {TOKEN}"}):
        reply = service.get("/api/agent/search", params={"q": NEED}, headers=headers)
        assert reply.status_code == 401
        assert reply.headers["content-type"].startswith("application/json")
        assert "token" in reply.json()["error"]
    assert service.get("/api/agent/status").json()["configured"] is True
    assert service.get("/api/agent/me", headers=AUTH).json() == {"agent_id": AGENT}


def test_search_with_a_district_ranks_that_districts_guides(service, servers):
    reply = service.get("/api/agent/search", params={"q": NEED, "region": "鄞州区", "top_k": 5}, headers=AUTH)
    assert reply.status_code == 200
    result = reply.json()
    assert result["district"] == "鄞州区" and not result["no_match"]
    top = result["hits"][0]
    assert top["name"] == "居民身份证换领" and top["region"] == "鄞州区" and top["needs_region"] is False
    assert len(result["hits"]) == 5
    entry = newest(servers, "search")
    assert (entry.agent_id, entry.query, entry.region, entry.hits) == (AGENT, NEED, "鄞州区", 5)


def test_search_without_a_district_marks_per_district_matters(service):
    result = service.get("/api/agent/search", params={"q": "孩子出生了怎么报户口"}, headers=AUTH).json()
    flagged = [hit for hit in result["hits"] if hit["needs_region"]]
    assert flagged and all(hit["note"] == "需确认区县" for hit in flagged)
    assert all(hit["note"] == "" for hit in result["hits"] if not hit["needs_region"])


def test_search_logs_the_query_masked(service, servers):
    query = "来电13812345678 身份证330203199001011234 快到期"
    service.get("/api/agent/search", params={"q": query}, headers={"Authorization": f"Bearer {OTHER_TOKEN}"})
    entry = newest(servers, "search")
    assert entry.agent_id == OTHER_AGENT
    assert entry.query == "来电138****5678 身份证3302**********1234 快到期"


@pytest.mark.parametrize(
    "params, problem",
    [({}, "missing parameter q"), ({"q": NEED, "region": "火星区"}, "not a Ningbo"),
     ({"q": NEED, "top_k": "0"}, "top_k"), ({"q": NEED, "top_k": "x"}, "top_k")],
)  # fmt: skip
def test_bad_searches_get_400(service, params, problem):
    reply = service.get("/api/agent/search", params=params, headers=AUTH)
    assert reply.status_code == 400 and problem in reply.json()["error"]


def test_detail_sms_and_send_link_on_the_real_service(service, servers):
    hit = service.get("/api/agent/search", params={"q": NEED, "region": "鄞州区"}, headers=AUTH).json()["hits"][0]
    guide = service.get(f"/api/agent/guides/{hit['guide_id']}", params={"q": NEED}, headers=AUTH).json()
    assert guide["materials"] and guide["steps"] and guide["form_url"].startswith(servers.service_url)
    sms = service.get(f"/api/agent/guides/{hit['guide_id']}/sms", params={"region": "鄞州区"}, headers=AUTH).json()
    assert len(sms["text"]) <= 300 and guide["form_url"] in sms["text"]
    body = {"phone": "13912345678", "region": "鄞州区"}
    sent = service.post(f"/api/agent/guides/{hit['guide_id']}/send-link", json=body, headers=AUTH)
    assert sent.status_code == 200 and sent.json()["phone"] == "139****5678"
    entry = newest(servers, "send_link")
    assert (entry.agent_id, entry.guide_id, entry.phone) == (AGENT, hit["guide_id"], "139****5678")


def test_the_monthly_report_reflects_the_lookups(service):
    before = service.get("/api/agent/report", headers=AUTH).json()
    service.get("/api/agent/search", params={"q": NEED}, headers=AUTH)
    after = service.get("/api/agent/report", headers=AUTH).json()
    assert after["lookups"]["search"] == before["lookups"]["search"] + 1
    assert AGENT in [agent["agent_id"] for agent in after["agents"]]
    assert service.get("/api/agent/report", params={"month": "06-2025"}, headers=AUTH).status_code == 400


# --- the page ----------------------------------------------------------------------------------------


class ConsolePage:
    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def load(self) -> ConsolePage:
        self.driver.get(self.base_url + "/agent")
        # The page restores a saved session by asking the service and saves the token again when
        # that succeeds: clear only once it has settled, or the answer may save the token again.
        self.wait(self.settled, "the console page did not settle")
        self.driver.execute_script("sessionStorage.clear();")
        self.driver.get(self.base_url + "/agent")
        self.wait(lambda: self.by_id("login").is_displayed(), "the login form did not show")
        return self

    def settled(self) -> bool:
        """The page shows the login form or the console: its restore of a saved session is over."""
        return self.by_id("login").is_displayed() or self.by_id("console").is_displayed()

    def by_id(self, element_id: str) -> WebElement:
        return self.driver.find_element(By.ID, element_id)

    def wait(self, condition: Callable[[], Any], message: str, timeout: float = 30) -> Any:
        def check(_driver: WebDriver) -> Any:
            try:
                return condition()
            except StaleElementReferenceException:
                return False

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(check)
        except TimeoutException:
            pytest.fail(f"{message} (after {timeout:.0f} s)")

    def login(self, token: str) -> None:
        field = self.by_id("token")
        field.clear()
        field.send_keys(token, Keys.ENTER)

    def logged_in(self) -> None:
        self.load()
        self.login(TOKEN)
        self.wait(lambda: self.by_id("console").is_displayed(), "the console did not open after login")

    def keys(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def active_id(self) -> str:
        return self.driver.switch_to.active_element.get_attribute("id") or ""

    def results(self) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, "#results .result")


@pytest.fixture
def console(browser: WebDriver, servers: ServerPair) -> Iterator[ConsolePage]:
    browser.set_window_size(*BROWSER_WINDOW)
    yield ConsolePage(browser, servers.service_url)
    browser.execute_script("try { sessionStorage.clear(); } catch (e) {}")


def test_login_is_refused_without_a_valid_token(console: ConsolePage):
    console.load()
    assert not console.by_id("console").is_displayed()
    console.login("wrong-token-000000")
    console.wait(lambda: "令牌无效" in console.by_id("login-error").text, "a wrong token was not refused")
    assert not console.by_id("console").is_displayed()
    assert console.driver.execute_script("return sessionStorage.getItem('daofu.agentToken');") is None
    save_screenshot(console.driver, "agent-login-refused")


def test_keyboard_search_detail_and_sms(console: ConsolePage, servers: ServerPair):
    console.logged_in()
    assert console.by_id("who").text == f"坐席：{AGENT}"
    console.driver.find_element(By.TAG_NAME, "body").click()  # focus away from the search box
    console.keys("/")
    assert console.active_id() == "q"  # "/" focuses the search
    region = Select(console.by_id("region"))
    console.wait(lambda: len(region.options) == 11, "the district filter was not filled")  # 全市 + 10 districts
    region.select_by_visible_text("鄞州区")
    console.by_id("q").send_keys(NEED, Keys.ENTER)
    console.wait(lambda: len(console.results()) >= 3, "no results")
    assert "居民身份证换领" in console.results()[0].text
    save_screenshot(console.driver, "agent-search-results")

    console.by_id("q").click()
    console.keys(Keys.ARROW_DOWN)  # into the list, on the first result
    console.keys(Keys.ARROW_DOWN)  # the second
    assert console.driver.switch_to.active_element.get_attribute("id") == "result-1"
    console.keys(Keys.ARROW_UP)
    assert console.results()[0].get_attribute("aria-selected") == "true"
    console.keys(Keys.ENTER)
    console.wait(lambda: console.by_id("detail-body").is_displayed(), "Enter did not open the guide")
    detail = console.by_id("detail-body").text
    for label in ("承诺时限", "法定时限", "收费", "办理地点", "办公时间", "咨询电话", "网上办理", "掌上办理", "零跑腿",
                  "最多跑", "申报链接", "申请材料", "办理流程", "原件", "演示数据"):  # fmt: skip
        assert label in detail, label
    headers = [cell.text for cell in console.driver.find_elements(By.CSS_SELECTOR, ".materials th")]
    assert headers == ["材料", "形式", "份数", "必需", "电子证照", "说明"]
    view = newest(servers, "view")
    assert (view.agent_id, view.query) == (AGENT, NEED) and view.guide_id.endswith("NBC-A-033")

    console.keys("c")  # copy the SMS text
    console.wait(lambda: console.by_id("sms-text").get_attribute("value"), "c did not produce the SMS text")
    sms = console.by_id("sms-text").get_attribute("value")
    assert len(sms) <= 300 and "居民身份证换领" in sms and "/forms/NBC-A-033" in sms
    assert console.by_id("sms-count").text == f"{len(sms)} / 300 字 · 鄞州区"
    console.wait(lambda: console.by_id("action-status").text, "no word on the copy")
    save_screenshot(console.driver, "agent-guide-detail-sms")

    console.by_id("phone").send_keys("13812345678")
    console.by_id("send-link").click()
    confirmed = "已记录发送办理链接至 138****5678"
    console.wait(lambda: confirmed in console.by_id("action-status").text, "send-link was not confirmed")
    entry = newest(servers, "send_link")
    assert (entry.agent_id, entry.phone, entry.guide_id) == (AGENT, "138****5678", view.guide_id)
    # Readable on 1366×768: nothing is wider than the screen.
    assert console.driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;"
    )
    save_screenshot(console.driver, "agent-send-link-recorded")


def test_the_handoff_queue_shows_new_handoffs_and_takes_and_closes_them(console: ConsolePage, servers: ServerPair):
    console.logged_in()
    sender = "web-" + uuid.uuid4().hex
    records = ConversationRecords(create_engine_for(servers.settings.database_url))
    handoff = records.open_handoff(
        sender, channel="widget", reason="user_request", summary="用户：我要找人工 <b>急</b>",
        matter_code="NBC-A-033", region="鄞州区",
    )  # fmt: skip
    item_css = f'#handoffs li[data-id="{handoff.id}"]'
    console.wait(lambda: console.driver.find_elements(By.CSS_SELECTOR, item_css), "the hand-off did not appear", 20)
    item = console.driver.find_element(By.CSS_SELECTOR, item_css)
    assert "用户：我要找人工 <b>急</b>" in item.text  # shown as text
    assert "待接听" in item.text and "网页" in item.text and "事项：居民身份证换领" in item.text
    save_screenshot(console.driver, "agent-handoff-queue")

    item.find_element(By.XPATH, ".//button[text()='接听']").click()
    console.wait(lambda: console.by_id("talk").is_displayed(), "taking the hand-off did not open the conversation")
    console.by_id("talk-back").click()
    console.wait(lambda: f"已接听 · {AGENT}" in console.driver.find_element(By.CSS_SELECTOR, item_css).text,
                 "taking the hand-off did not show")  # fmt: skip
    assert records.handoffs("taken")[-1].taken_by == AGENT
    console.driver.find_element(By.CSS_SELECTOR, item_css).find_element(By.XPATH, ".//button[text()='结束']").click()
    console.wait(lambda: not console.driver.find_elements(By.CSS_SELECTOR, item_css), "the closed hand-off stayed")
    assert handoff.id in [closed.id for closed in records.handoffs("closed")]


def test_the_monthly_report_view(console: ConsolePage):
    console.logged_in()
    console.by_id("report-button").click()
    console.wait(lambda: "汇总" in console.by_id("report-body").text, "the report did not render")
    body = console.by_id("report-body").text
    assert "按坐席" in body
    for part in ("服务概况", "人工坐席", "等待接入", "首次回复", "好差评分布", "热门事项", "知识缺口"):
        assert part in body, part
    save_screenshot(console.driver, "agent-monthly-report")
    console.by_id("report-close").click()
    assert console.by_id("console").is_displayed()


def test_a_reload_keeps_the_login_for_this_tab(console: ConsolePage):
    console.logged_in()
    console.driver.refresh()
    console.wait(lambda: console.by_id("console").is_displayed(), "the login was lost on reload")
    console.by_id("logout-button").click()
    console.wait(lambda: console.by_id("login").is_displayed(), "logout did not return to the login")
    assert console.driver.execute_script("return sessionStorage.getItem('daofu.agentToken');") is None


# --- live takeover: the widget and the console in one browser -------------------------------------


def wait_for(condition: Callable[[], Any], message: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{message} (after {timeout:.0f} s)")


def test_an_agent_takes_over_a_widget_conversation_and_gives_it_back(browser: WebDriver, servers: ServerPair):
    from tests.e2e.test_widget_browser import WidgetPage

    records = ConversationRecords(create_engine_for(servers.settings.database_url))
    browser.set_window_size(*PHONE_WINDOW)
    widget = WidgetPage(browser, servers.service_url).load()
    widget_tab = browser.current_window_handle
    widget.open()
    widget.send(NEED)
    widget.wait_for_elements(".dw-choice", "no district question")
    next(b for b in widget.find_all(".dw-choice") if b.text == "鄞州区").click()
    widget.wait_for_elements(".dw-card", "no guide card after the district")
    widget.send("转人工")
    notice = widget.wait_for_elements(".dw-human", "no hand-off notice")[-1]
    assert "排队第" in notice.text and "预计等待约" in notice.text and "分钟" in notice.text
    assert not widget.find_all(".dw-rate"), "the rating must not be asked right after asking for a person"
    sender = widget.sender()
    handoff = wait_for(lambda: records.active_handoff(sender), "the hand-off was not recorded")

    # The agent, in another tab of a 1280×900 screen, sees it waiting and takes it.
    browser.switch_to.new_window("tab")
    console_tab = browser.current_window_handle
    browser.set_window_size(*CONSOLE_WINDOW)
    console = ConsolePage(browser, servers.service_url)
    console.logged_in()
    item_css = f'#handoffs li[data-id="{handoff.id}"]'
    item = console.wait(lambda: browser.find_element(By.CSS_SELECTOR, item_css), "the hand-off is not in the queue")
    assert "已等待" in item.text and "事项：居民身份证换领" in item.text
    item.find_element(By.XPATH, ".//button[text()='接听']").click()
    console.wait(lambda: console.by_id("talk").is_displayed(), "taking the hand-off did not open the conversation")
    facts = console.by_id("talk-facts").text
    assert "居民身份证换领" in facts and "鄞州区" in facts and "网页" in facts
    console.wait(lambda: NEED in console.by_id("talk-log").text, "the transcript so far is not shown")
    greeting = "您好，我是12345热线工作人员。请问您的身份证是哪一年办的？"
    console.by_id("talk-input").send_keys(greeting)
    console.by_id("talk-send").click()
    console.wait(lambda: greeting in console.by_id("talk-log").text, "the agent's reply is not in the transcript")

    # The citizen sees a person join and the agent's words, marked as a person's.
    browser.switch_to.window(widget_tab)
    browser.set_window_size(*PHONE_WINDOW)
    widget.wait(lambda: widget.find_all(".dw-agent-joined"), "the widget did not say a person joined")
    widget.wait(lambda: greeting in widget.texts(".dw-agent-bubble"), "the agent's reply did not reach the widget")
    answers_before = len(widget.bot_texts())
    widget.send("2015年办的，我的电话是13812345678")
    widget.wait_idle()
    save_screenshot(browser, "takeover-widget-agent-reply")
    time.sleep(2)
    assert len(widget.bot_texts()) == answers_before, "the assistant answered while the agent held the conversation"

    # The agent reads the answer, masked, and gives the conversation back.
    browser.switch_to.window(console_tab)
    browser.set_window_size(*CONSOLE_WINDOW)
    console.wait(lambda: "2015年办的" in console.by_id("talk-log").text, "the citizen's answer is not in the console")
    log_text = console.by_id("talk-log").text
    assert "138****5678" in log_text and "13812345678" not in log_text
    save_screenshot(browser, "takeover-console-conversation")
    console.by_id("talk-release").click()
    console.wait(lambda: console.by_id("queue-view").is_displayed(), "release did not return to the queue")
    assert records.handoff(handoff.id).status == "closed"
    kinds = [event.kind for event in records.handoff_events(handoff.id)]
    assert kinds[:2] == ["opened", "taken"] and "agent" in kinds and "citizen" in kinds and kinds[-1] == "released"

    # The assistant is back, with its context: the next question is about the same matter.
    browser.switch_to.window(widget_tab)
    browser.set_window_size(*PHONE_WINDOW)
    widget.wait(lambda: widget.find_all(".dw-agent-notice:not(.dw-agent-joined)"), "no word that the agent left")
    widget.wait_for_elements(".dw-rate", "no 好差评 after the agent released the conversation")
    before = len(widget.bot_texts())
    widget.send("要带什么材料？")
    widget.wait(
        lambda: any("居民身份证换领" in text and "鄞州区" in text and "需要准备" in text
                    for text in widget.bot_texts()[before:]),
        "the assistant did not answer about the same matter and district after release",
    )  # fmt: skip
    save_screenshot(browser, "takeover-widget-after-release")
    browser.close()
    browser.switch_to.window(console_tab)


def test_a_new_search_closes_the_previous_guide(console: ConsolePage):
    console.logged_in()
    Select(console.by_id("region")).select_by_visible_text("鄞州区")
    console.by_id("q").send_keys(NEED, Keys.ENTER)
    console.wait(lambda: console.results(), "no results")
    console.results()[0].click()
    console.wait(lambda: console.by_id("detail-body").is_displayed(), "the guide did not open")
    console.by_id("q").clear()
    console.by_id("q").send_keys("开小吃店要办什么证", Keys.ENTER)
    console.wait(lambda: not console.by_id("detail-body").is_displayed(), "the previous guide stayed open")
    console.driver.find_element(By.TAG_NAME, "body").click()
    console.keys("c")
    time.sleep(1)
    assert console.by_id("sms-text").get_attribute("value") == "", "c copied the guide of the previous search"


def test_no_district_means_no_sms_until_the_agent_chooses_one(console: ConsolePage, servers: ServerPair):
    console.driver.set_window_size(*CONSOLE_WINDOW)
    console.logged_in()
    console.wait(lambda: len(Select(console.by_id("region")).options) == 11, "the district filter was not filled")
    console.by_id("q").send_keys(NEED, Keys.ENTER)  # no district chosen
    console.wait(lambda: console.results(), "no results")
    console.results()[0].click()
    console.wait(lambda: console.by_id("detail-body").is_displayed(), "the guide did not open")
    assert "需确认区县" in console.by_id("detail-body").text
    console.by_id("copy-sms").click()
    console.wait(lambda: "请先" in console.by_id("action-status").text, "the SMS was not refused without a district")
    assert console.by_id("sms-text").get_attribute("value") == ""
    status = console.by_id("action-status")
    assert status.is_displayed() and in_view(console.driver, status), "the refusal is not where the agent looks"
    save_screenshot(console.driver, "agent-sms-needs-district")

    Select(console.by_id("guide-district")).select_by_visible_text("北仑区")
    console.wait(lambda: "北仑区" in console.by_id("detail-body").text, "the chosen district's guide did not open")
    console.by_id("copy-sms").click()
    console.wait(lambda: console.by_id("sms-text").get_attribute("value"), "no SMS after choosing the district")
    sms = console.by_id("sms-text").get_attribute("value")
    assert "（北仑区办理）" in sms and servers.service_url in sms
    assert "需带：" in sms and "步骤：①" in sms
    console.wait(lambda: "已复制" in console.by_id("action-status").text, "no word on the copy")
    assert in_view(console.driver, console.by_id("action-status")), "the confirmation is below the visible column"
    save_screenshot(console.driver, "agent-sms-for-chosen-district")


def in_view(driver: WebDriver, element: WebElement) -> bool:
    """Whether ``element`` is inside the window (not scrolled away below the column's end)."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;",
        element,
    )


def test_the_queue_shows_waiting_times_longest_first_and_long_ids_fit(console: ConsolePage, servers: ServerPair):
    console.driver.set_window_size(*CONSOLE_WINDOW)
    records = ConversationRecords(create_engine_for(servers.settings.database_url))
    long_sender = "web-" + "0123456789abcdef" * 4
    first = records.open_handoff(long_sender, channel="widget", reason="user_request", summary="用户：人工")
    second = records.open_handoff("wx-o" + uuid.uuid4().hex, channel="wechat", reason="user_request", summary="…")
    console.logged_in()
    console.wait(lambda: console.driver.find_elements(By.CSS_SELECTOR, f'#handoffs li[data-id="{second.id}"]'),
                 "the hand-offs did not appear")  # fmt: skip
    ids = [int(node.get_attribute("data-id")) for node in console.driver.find_elements(By.CSS_SELECTOR, "#handoffs li")
           if node.get_attribute("data-id")]  # fmt: skip
    assert ids.index(first.id) < ids.index(second.id)  # the longer wait is higher up
    item = console.driver.find_element(By.CSS_SELECTOR, f'#handoffs li[data-id="{first.id}"]')
    assert "已等待" in item.text
    column = console.driver.find_element(By.CSS_SELECTOR, ".queue-column")
    assert console.driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth;", column)
    sender = item.find_element(By.CSS_SELECTOR, ".handoff-sender")
    assert sender.get_attribute("title") == long_sender and "…" in sender.text
    save_screenshot(console.driver, "agent-queue-waiting-times")
    for handoff in (first, second):
        records.end_handoff(handoff.id, "closed")
