"""The portal widget in a real headless Chromium against the real service and Rasa.

Every test starts from the demo portal at ``/`` with empty browser storage (a new visitor), except
where it is the point to keep it (reloads). The widget lives in a shadow root; elements are found
through ``shadow_root``. The dialogue is the real trained bot: the flows that need the full
dialogue (district buttons, guide card, form hand-off, rating, human hand-off) exercise exactly
what the bot sends. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import http.server
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bot.actions.greeting import GREETING
from daofu.processes import ServerPair
from daofu.records import ConversationRecords
from knowledge import DEMO_NOTICE
from knowledge.db import create_engine_for
from tests.e2e.conftest import AGENT_TOKENS, BROWSER_WINDOW, rasa_auth, save_screenshot

pytestmark = pytest.mark.e2e

REPLY_TIMEOUT = 60
AGENT_HEADERS = {"Authorization": f"Bearer {next(iter(AGENT_TOKENS.values()))}"}
# The deepest focused element, through shadow roots.
ACTIVE_ELEMENT = """
let node = document.activeElement;
while (node && node.shadowRoot && node.shadowRoot.activeElement) { node = node.shadowRoot.activeElement; }
return node;
"""


class WidgetPage:
    """The demo portal with the widget, driven like a person would."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def load(self, fresh: bool = True, url: str | None = None) -> WidgetPage:
        """The demo portal (or the page at ``url``); ``fresh``: as a first-time visitor."""
        page = url or self.base_url + "/"
        self.driver.get(page)
        if fresh:
            self.driver.execute_script("localStorage.clear(); sessionStorage.clear();")
            self.driver.get(page)
        self.wait(lambda: self.driver.find_elements(By.ID, "daofu-widget"), "the widget host never appeared")
        self.wait(
            lambda: self.driver.execute_script(
                "const r = document.getElementById('daofu-widget').shadowRoot.querySelector('.dw-root');"
                "return r && r.style.visibility !== 'hidden';"
            ),
            "the widget's style sheet never loaded",
        )
        return self

    @property
    def root(self) -> Any:
        return self.driver.find_element(By.ID, "daofu-widget").shadow_root

    def find(self, css: str) -> WebElement:
        return self.root.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.root.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition: Callable[[], Any], message: str, timeout: float = REPLY_TIMEOUT) -> Any:
        def check(_driver: WebDriver) -> Any:
            try:
                return condition()
            except StaleElementReferenceException:
                return False

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(check)
        except TimeoutException:
            pytest.fail(f"{message} (after {timeout:.0f} s); the widget shows: bot {self.bot_texts()}, "
                        f"user {self.user_texts()}")  # fmt: skip

    def open(self) -> None:
        self.find(".dw-launcher").click()
        self.wait(lambda: self.find(".dw-panel").is_displayed(), "the panel did not open", 10)

    def send(self, text: str) -> None:
        box = self.find(".dw-input")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def texts(self, css: str) -> list[str]:
        return [node.get_attribute("textContent") for node in self.find_all(css)]

    def bot_texts(self) -> list[str]:
        return self.texts(".dw-bot:not(.dw-typing) > .dw-bubble")

    def user_texts(self) -> list[str]:
        return self.texts(".dw-user .dw-bubble")

    def wait_for_bot_text(self, fragment: str, message: str) -> None:
        self.wait(lambda: any(fragment in text for text in self.bot_texts()), message)

    def wait_for_elements(self, css: str, message: str, timeout: float = REPLY_TIMEOUT) -> list[WebElement]:
        return self.wait(lambda: [node for node in self.find_all(css) if node.is_displayed()], message, timeout)

    def wait_idle(self) -> None:
        """Until the typing indicator is gone (the dialogue answered)."""
        self.wait(lambda: not self.find(".dw-typing").is_displayed(), "the typing indicator never went away")

    def sender(self) -> str:
        return self.driver.execute_script("return localStorage.getItem('daofu.sender');")

    def active(self) -> WebElement:
        return self.driver.execute_script(ACTIVE_ELEMENT)

    def active_class(self) -> str:
        return self.active().get_attribute("class") or ""

    def style(self, element: WebElement, prop: str) -> str:
        return self.driver.execute_script("return getComputedStyle(arguments[0])[arguments[1]];", element, prop)

    def button_with_title(self, title: str) -> WebElement | None:
        for node in self.find_all(".dw-choice"):
            if node.get_attribute("textContent") == title:
                return node
        return None


@pytest.fixture
def widget(browser: WebDriver, servers: ServerPair) -> Iterator[WidgetPage]:
    browser.set_window_size(*BROWSER_WINDOW)
    page = WidgetPage(browser, servers.service_url)
    yield page
    # Leave the session's browser on one tab, on a neutral page.
    for handle in browser.window_handles[1:]:
        browser.switch_to.window(handle)
        browser.close()
    browser.switch_to.window(browser.window_handles[0])


def tracker_events(servers: ServerPair, sender: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{servers.rasa_url}/conversations/{sender}/tracker", params=rasa_auth(servers), timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def user_events(servers: ServerPair, sender: str) -> list[dict[str, Any]]:
    return [event for event in tracker_events(servers, sender) if event["event"] == "user"]


# --- the page and the basic conversation ---------------------------------------------------------


def test_portal_page_is_a_marked_demo_and_embeds_the_widget_with_one_script_and_one_call(service):
    page = service.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.text
    assert "演示页面" in html and DEMO_NOTICE in html
    assert '<script src="/widget/daofu-widget.js"></script>' in html
    assert "DaofuWidget.init(" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # nothing external
    script = service.get("/widget/daofu-widget.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "innerHTML" not in script.text  # content goes in with textContent only


def test_open_send_greeting_and_hear_it_announced(widget: WidgetPage):
    widget.load()
    widget.open()
    assert widget.active_class() == "dw-input"  # opening puts the cursor in the input
    widget.send("你好")
    widget.wait_for_bot_text(GREETING, "the greeting never arrived")
    assert widget.user_texts() == ["你好"]
    widget.wait(lambda: GREETING in widget.find(".dw-announcer").get_attribute("textContent"),
                "the greeting was not put in the aria-live region")  # fmt: skip
    assert widget.find(".dw-announcer").get_attribute("aria-live") == "polite"
    assert widget.sender().startswith("web-")
    save_screenshot(widget.driver, "widget-greeting")


def test_a_reload_keeps_the_conversation_and_its_sender(widget: WidgetPage, servers: ServerPair, service):
    widget.load()
    widget.open()
    widget.send("你好")
    widget.wait_for_bot_text(GREETING, "the greeting never arrived")
    sender = widget.sender()

    widget.load(fresh=False)  # a reload: the panel reopens and the history comes from the tracker
    widget.wait(lambda: widget.find(".dw-panel").is_displayed(), "the panel did not reopen after the reload", 10)
    widget.wait_for_bot_text(GREETING, "the history did not come back after the reload")
    assert widget.user_texts() == ["你好"]
    assert widget.sender() == sender
    history = service.get("/widget/history", params={"sender": sender}).json()
    assert history["messages"][0] == {"from": "user", "text": "你好"}
    assert any(GREETING in message.get("text", "") for message in history["messages"])
    save_screenshot(widget.driver, "widget-history-after-reload")

    widget.send("你好")  # the conversation goes on under the same sender
    widget.wait(lambda: widget.user_texts() == ["你好", "你好"], "the second message did not show")
    widget.wait(lambda: len(user_events(servers, sender)) == 2, "the second message did not reach the tracker")


def test_elder_mode_enlarges_text_and_targets_persists_and_tells_the_bot(widget: WidgetPage, servers: ServerPair):
    widget.load()
    widget.open()
    widget.send("你好")
    widget.wait_for_bot_text(GREETING, "the greeting never arrived")
    toggle = widget.find(".dw-elder-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    bubble = widget.find(".dw-bot > .dw-bubble")
    assert float(widget.style(bubble, "fontSize").removesuffix("px")) < 20

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    for css in (".dw-bot > .dw-bubble", ".dw-user .dw-bubble", ".dw-input", ".dw-footnote"):
        node = widget.find(css)
        font = float(widget.style(node, "fontSize").removesuffix("px"))
        assert font >= 20, (css, font)
    bubble = widget.find(".dw-bot > .dw-bubble")
    font = float(widget.style(bubble, "fontSize").removesuffix("px"))
    line = float(widget.style(bubble, "lineHeight").removesuffix("px"))
    assert line >= 1.5 * font, (font, line)
    for css in (".dw-send", ".dw-elder-toggle", ".dw-close", ".dw-input"):
        rect = widget.find(css).rect
        assert rect["height"] >= 44 and rect["width"] >= 44, (css, rect)
    assert widget.style(bubble, "color") == "rgb(0, 0, 0)"  # high contrast: black on white
    assert widget.style(bubble, "backgroundColor") == "rgb(255, 255, 255)"
    save_screenshot(widget.driver, "widget-elder-mode")

    widget.send("你好")
    sender = widget.sender()
    widget.wait(lambda: len(user_events(servers, sender)) == 2, "the message did not reach the tracker")
    first, second = user_events(servers, sender)
    assert {key: first["metadata"].get(key) for key in ("channel", "elder_mode")} == {
        "channel": "widget", "elder_mode": False}  # fmt: skip
    assert {key: second["metadata"].get(key) for key in ("channel", "elder_mode")} == {
        "channel": "widget", "elder_mode": True}  # fmt: skip

    widget.wait_idle()
    widget.load(fresh=False)
    assert "dw-elder" in widget.find(".dw-root").get_attribute("class")  # kept in localStorage
    assert widget.find(".dw-elder-toggle").get_attribute("aria-pressed") == "true"


def test_keyboard_only_tab_enter_and_escape(widget: WidgetPage):
    widget.load()
    actions = ActionChains(widget.driver)
    for _ in range(60):  # the launcher comes after the portal's own links and buttons
        actions.send_keys(Keys.TAB).perform()
        if widget.active_class() == "dw-launcher":
            break
    else:
        pytest.fail("Tab never reached the widget's launcher")
    launcher = widget.active()
    assert widget.style(launcher, "outlineStyle") == "solid"  # a visible focus ring
    assert float(widget.style(launcher, "outlineWidth").removesuffix("px")) >= 2
    save_screenshot(widget.driver, "widget-launcher-focused")

    actions.send_keys(Keys.ENTER).perform()
    widget.wait(lambda: widget.find(".dw-panel").is_displayed(), "Enter on the launcher did not open the panel", 10)
    assert widget.active_class() == "dw-input"
    actions.send_keys("你好", Keys.ENTER).perform()
    widget.wait_for_bot_text(GREETING, "Enter did not send the message")

    for _ in range(6):  # back from the input to the header's buttons
        actions.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        if widget.active_class() == "dw-elder-toggle":
            break
    else:
        pytest.fail("Shift+Tab never reached the 长者模式 button")
    actions.send_keys(Keys.ENTER).perform()
    assert widget.find(".dw-elder-toggle").get_attribute("aria-pressed") == "true"
    save_screenshot(widget.driver, "widget-keyboard-only")

    actions.send_keys(Keys.ESCAPE).perform()
    widget.wait(lambda: not widget.find(".dw-panel").is_displayed(), "Esc did not close the panel", 10)
    assert widget.active_class() == "dw-launcher"  # focus goes back to where the panel came from
    actions.send_keys(Keys.ENTER).perform()
    widget.wait(lambda: widget.find(".dw-panel").is_displayed(), "the panel did not reopen", 10)
    assert GREETING in " ".join(widget.bot_texts())


def test_html_in_messages_is_shown_as_text_never_run(widget: WidgetPage):
    attack = '<img src=x onerror="window.__daofuInjected=1"><script>window.__daofuInjected=2</script>'
    widget.load()
    widget.open()
    widget.send(attack)
    widget.wait_idle()
    assert widget.user_texts() == [attack]
    assert widget.find_all("img") == [] and widget.find_all(".dw-log script") == []
    assert widget.driver.execute_script("return window.__daofuInjected === undefined;")
    with pytest.raises(NoAlertPresentException):
        _ = widget.driver.switch_to.alert.text
    save_screenshot(widget.driver, "widget-html-injection-as-text")

    widget.load(fresh=False)  # the same text coming back from the tracker is text too
    widget.wait(lambda: attack in widget.user_texts(), "the message did not come back from the history")
    assert widget.find_all("img") == []
    assert widget.driver.execute_script("return window.__daofuInjected === undefined;")


def test_the_portals_own_search_box_asks_the_widget(widget: WidgetPage, servers: ServerPair):
    widget.load()
    box = widget.driver.find_element(By.ID, "portal-question")
    box.send_keys("你好", Keys.ENTER)  # DaofuWidget.ask(): opens the panel and sends the question
    widget.wait(lambda: widget.find(".dw-panel").is_displayed(), "the panel did not open", 10)
    widget.wait_for_bot_text(GREETING, "the question from the portal's box got no answer")
    assert widget.user_texts() == ["你好"]
    assert [event["text"] for event in user_events(servers, widget.sender())] == ["你好"]


def test_phone_width_gets_a_full_screen_panel(widget: WidgetPage):
    widget.driver.set_window_size(390, 844)
    widget.load()
    widget.open()
    size = widget.driver.execute_script("return [document.documentElement.clientWidth, window.innerHeight];")
    rect = widget.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];",
        widget.find(".dw-panel"),
    )
    assert rect == [0, 0, size[0], size[1]]
    save_screenshot(widget.driver, "widget-mobile-layout")


# Wraps the page's WebSocket constructor (before any page script runs) to record each connection
# attempt and, on request, make the next attempts fail — the widget itself is not touched.
SOCKET_PROBE = """
(() => {
  const Real = window.WebSocket;
  window.__daofuSockets = [];
  window.__daofuAttempts = [];
  window.__daofuFailNext = 0;
  window.__daofuCloseOnTyping = false;
  window.__daofuLoseNextSend = false;
  function Probe(url, protocols) {
    window.__daofuAttempts.push(performance.now());
    if (window.__daofuFailNext > 0) { window.__daofuFailNext -= 1; url = "ws://127.0.0.1:9/refused"; }
    const socket = protocols === undefined ? new Real(url) : new Real(url, protocols);
    socket.addEventListener("message", (event) => {
      // Drop the connection the moment the service says it is working on a message.
      if (window.__daofuCloseOnTyping && JSON.parse(event.data).type === "typing") {
        window.__daofuCloseOnTyping = false;
  window.__daofuLoseNextSend = false;
        socket.close();
      }
    });
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      // Lose the message in transit: it never leaves, and the connection drops.
      if (window.__daofuLoseNextSend) { window.__daofuLoseNextSend = false; socket.close(); return; }
      send(data);
    };
    window.__daofuSockets.push(socket);
    return socket;
  }
  Probe.prototype = Real.prototype;
  Object.assign(Probe, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Probe;
})();
"""


def test_a_dropped_connection_comes_back_by_itself_with_growing_pauses(widget: WidgetPage):
    probe = widget.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SOCKET_PROBE})
    try:
        widget.load()
        widget.open()
        widget.send("你好")
        widget.wait_for_bot_text(GREETING, "the greeting never arrived")

        # The connection drops and the next two attempts fail: three attempts, pauses growing.
        widget.driver.execute_script(
            "window.__daofuFailNext = 2; window.__daofuClosedAt = performance.now();"
            "window.__daofuSockets.at(-1).close();"
        )
        widget.wait(lambda: widget.find(".dw-status").is_displayed(), "the widget did not say it lost the connection")
        widget.wait(lambda: widget.driver.execute_script("return window.__daofuAttempts.length;") >= 4,
                    "the widget did not retry three times", 30)  # fmt: skip
        widget.wait(lambda: not widget.find(".dw-status").is_displayed(), "the widget did not reconnect", 30)
        closed_at, attempts = widget.driver.execute_script("return [window.__daofuClosedAt, window.__daofuAttempts];")
        pauses = [later - earlier for earlier, later in itertools.pairwise([closed_at, *attempts[1:4]])]
        for pause, base in zip(pauses, (1000, 2000, 4000), strict=True):  # doubling, each with 50–100 % jitter
            assert 0.5 * base - 50 <= pause <= base + 500, pauses

        widget.send("你好")
        widget.wait(lambda: sum(GREETING in text for text in widget.bot_texts()) == 2,
                    "no answer over the new connection")  # fmt: skip
        save_screenshot(widget.driver, "widget-reconnected")
    finally:
        widget.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": probe["identifier"]})


def test_an_answer_lost_with_the_connection_comes_back_from_the_history(widget: WidgetPage):
    probe = widget.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SOCKET_PROBE})
    try:
        widget.load()
        widget.open()
        widget.wait(lambda: widget.driver.execute_script("return window.__daofuSockets.at(-1).readyState === 1;"),
                    "the widget did not connect")  # fmt: skip
        # The service gets the message, then the connection drops before the answer can come back on it.
        widget.driver.execute_script("window.__daofuCloseOnTyping = true;")
        widget.send("你好")
        widget.wait_for_bot_text(GREETING, "the lost answer was not recovered after reconnecting")
        assert widget.user_texts() == ["你好"]
        assert len(widget.driver.execute_script("return window.__daofuAttempts;")) == 2
        widget.wait_idle()
        assert widget.find_all(".dw-error") == []
    finally:
        widget.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": probe["identifier"]})


def test_a_message_lost_on_the_way_stays_on_the_page_with_a_notice(widget: WidgetPage):
    probe = widget.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SOCKET_PROBE})
    try:
        widget.load()
        widget.open()
        widget.wait(lambda: widget.driver.execute_script("return window.__daofuSockets.at(-1).readyState === 1;"),
                    "the widget did not connect")  # fmt: skip
        widget.driver.execute_script("window.__daofuLoseNextSend = true;")
        widget.send("你好")
        notice = widget.wait_for_elements(".dw-error", "no notice that the message may be lost", timeout=60)[-1]
        assert "重新发送" in notice.get_attribute("textContent")
        assert widget.user_texts() == ["你好"]  # what the person wrote is not hidden
        assert not widget.find(".dw-typing").is_displayed()
        widget.send("你好")  # sending again works
        widget.wait_for_bot_text(GREETING, "no answer to the message sent again")
    finally:
        widget.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": probe["identifier"]})


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the test server keeps quiet
        pass


@pytest.fixture(scope="module")
def foreign_portal(tmp_path_factory: pytest.TempPathFactory, servers: ServerPair) -> Iterator[str]:
    """Another site (another origin), its page encoded in GBK, embedding the widget as documented."""
    root = tmp_path_factory.mktemp("foreign-portal")
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="gbk"><title>某区政务服务（演示）</title></head>'
        "<body><h1>某区政务服务门户</h1><p>另一个站点上的页面。</p>"
        f'<script src="{servers.service_url}/widget/daofu-widget.js"></script>'
        f'<script>DaofuWidget.init({{server: "{servers.service_url}"}});</script></body></html>'
    )
    (root / "index.html").write_bytes(page.encode("gbk"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def test_embedded_on_another_sites_gbk_page_it_talks_and_keeps_history(widget: WidgetPage, foreign_portal: str):
    widget.load(url=foreign_portal)
    assert widget.driver.find_element(By.TAG_NAME, "h1").text == "某区政务服务门户"
    assert widget.find(".dw-launcher").text == "智能导服"  # the script's Chinese survived a GBK page
    widget.open()
    widget.send("你好")
    widget.wait_for_bot_text(GREETING, "no greeting on the other site")
    widget.wait_idle()
    widget.load(fresh=False, url=foreign_portal)  # history across origins (CORS)
    widget.wait_for_bot_text(GREETING, "the history did not come back on the other site")
    assert widget.user_texts() == ["你好"]
    save_screenshot(widget.driver, "widget-embedded-on-another-site")


# --- the flows of the full dialogue -------------------------------------------------------------

NEED = "身份证快到期了怎么换"
DISTRICT = "鄞州区"


LOCAL_CARD = ".dw-card:not(.dw-card-pending)"


def drive_to_guide_card(widget: WidgetPage) -> WebElement:
    """Ask for a need and answer the bot's questions (district, which case) until the district's
    guide card shows (not only the card of what every district asks alike)."""
    widget.send(NEED)
    for _ in range(4):
        widget.wait_idle()
        cards = widget.find_all(LOCAL_CARD)
        if cards:
            return cards[-1]
        district = widget.button_with_title(DISTRICT)
        choices = widget.find_all(".dw-choice")
        if district is not None:
            district.click()
        elif choices:
            choices[0].click()
        else:
            break
    return widget.wait_for_elements(LOCAL_CARD, f"no guide card for {NEED!r}")[-1]


def test_what_to_bring_shows_before_the_district_and_the_place_after(widget: WidgetPage):
    widget.load()
    widget.open()
    widget.send(NEED)
    pending = widget.wait_for_elements(".dw-card-pending", f"no card before the district for {NEED!r}")[-1]
    assert "各区县相同" in pending.find_element(By.CSS_SELECTOR, ".dw-card-sub").get_attribute("textContent")
    assert pending.find_elements(By.CSS_SELECTOR, ".dw-materials li")
    labels = [dt.get_attribute("textContent") for dt in pending.find_elements(By.CSS_SELECTOR, ".dw-facts dt")]
    assert "办理地点" not in labels and "咨询电话" not in labels and not pending.find_elements(By.CSS_SELECTOR, "a")
    district = widget.wait(lambda: widget.button_with_title(DISTRICT), "no district question after the card")
    save_screenshot(widget.driver, "widget-card-before-district")
    district.click()
    local = widget.wait_for_elements(LOCAL_CARD, "no district card after choosing the district")[-1]
    assert DISTRICT in local.find_element(By.CSS_SELECTOR, ".dw-card-sub").get_attribute("textContent")
    labels = [dt.get_attribute("textContent") for dt in local.find_elements(By.CSS_SELECTOR, ".dw-facts dt")]
    assert "办理地点" in labels and local.find_elements(By.CSS_SELECTOR, "a.dw-card-link")
    save_screenshot(widget.driver, "widget-card-after-district")


def test_quick_reply_sends_the_payload_and_shows_the_title(widget: WidgetPage, servers: ServerPair):
    widget.load()
    widget.open()
    widget.send(NEED)
    buttons = widget.wait_for_elements(".dw-choice", f"no quick replies for {NEED!r}")
    button = widget.button_with_title(DISTRICT) or buttons[0]
    title = button.get_attribute("textContent")
    button.click()
    widget.wait(lambda: widget.user_texts()[-1:] == [title], "the chosen button's title is not the user's message")
    widget.wait_idle()
    sender = widget.sender()
    offered = [
        button_data
        for event in tracker_events(servers, sender)
        if event["event"] == "bot"
        for button_data in (event.get("data") or {}).get("buttons") or []
    ]
    payloads = {item["title"]: item["payload"] for item in offered}
    assert user_events(servers, sender)[-1]["text"] == payloads[title]  # the payload went to the dialogue
    save_screenshot(widget.driver, "widget-quick-reply")


def test_guide_card_then_form_handoff_opens_the_prefilled_form(widget: WidgetPage):
    widget.load()
    widget.open()
    card = drive_to_guide_card(widget)
    assert "身份证" in card.find_element(By.CSS_SELECTOR, ".dw-card-title").get_attribute("textContent")
    assert card.find_elements(By.CSS_SELECTOR, ".dw-materials li")
    assert card.find_elements(By.CSS_SELECTOR, ".dw-facts dt")
    save_screenshot(widget.driver, "widget-guide-card")

    go = widget.wait(lambda: widget.button_with_title("去办理"), "no 去办理 button after the guide card")
    go.click()
    link = widget.wait_for_elements(".dw-handoff-link", "no form hand-off after 去办理")[-1]
    href = link.get_attribute("href")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert urlsplit(href).scheme in ("http", "https") and "/forms/" in href
    query = parse_qs(urlsplit(href).query)
    save_screenshot(widget.driver, "widget-form-handoff")
    assert not widget.find_all(".dw-rate"), "the 好差评 must wait until the form is opened, not follow 去办理"

    before = set(widget.driver.window_handles)
    widget_tab = widget.driver.current_window_handle
    link.click()
    widget.wait(lambda: set(widget.driver.window_handles) - before, "the form did not open in a new tab", 15)
    (new_tab,) = set(widget.driver.window_handles) - before
    widget.driver.switch_to.window(new_tab)
    widget.wait(lambda: widget.driver.find_elements(By.ID, "f-region"), "the form page did not load", 30)
    assert "身份证" in widget.driver.find_element(By.TAG_NAME, "h1").text
    region = widget.driver.find_element(By.ID, "f-region").get_attribute("value")
    assert region == query.get("region", [DISTRICT])[0]
    assert widget.driver.find_elements(By.CSS_SELECTOR, ".materials input[type=checkbox]")
    assert "演示" in widget.driver.find_element(By.CSS_SELECTOR, ".demo-ribbon").text
    save_screenshot(widget.driver, "widget-form-page-prefilled")
    # Back on the portal: now that the form was opened, the service asks for the 好差评.
    widget.driver.close()
    widget.driver.switch_to.window(widget_tab)
    widget.wait_for_elements(".dw-rate", "no 好差评 after the form was opened")


def test_rating_request_shows_five_levels_and_the_choice_is_stored(widget: WidgetPage, servers: ServerPair):
    widget.load()
    widget.open()
    widget.send("你好")
    widget.wait_for_bot_text(GREETING, "the greeting never arrived")
    widget.send("再见")
    options = widget.wait_for_elements(".dw-rate", "no 好差评 after goodbye")
    titles = [node.find_element(By.CSS_SELECTOR, ".dw-rate-title").get_attribute("textContent") for node in options]
    assert titles == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    options[0].click()
    widget.wait(lambda: widget.user_texts()[-1:] == ["非常满意"], "the rating's title is not the user's message")
    assert options[0].get_attribute("aria-pressed") == "true"
    assert all(not node.is_enabled() for node in options)  # one rating per request
    save_screenshot(widget.driver, "widget-rating")
    widget.wait_idle()
    widget.load(fresh=False)  # after a reload the rating given is shown as given
    widget.wait(lambda: widget.find_all(".dw-rate[aria-pressed=true]"), "the given rating is not shown after reload")
    pressed = widget.find(".dw-rate[aria-pressed=true] .dw-rate-title").get_attribute("textContent")
    assert pressed == "非常满意" and all(not node.is_enabled() for node in widget.find_all(".dw-rate"))
    records = ConversationRecords(create_engine_for(servers.settings.database_url))
    sender = widget.sender()
    deadline = time.monotonic() + REPLY_TIMEOUT
    while not records.ratings(sender) and time.monotonic() < deadline:
        time.sleep(0.5)
    stored = records.ratings(sender)
    assert [(rating.rating, rating.channel) for rating in stored] == [(5, "widget")], stored


def test_human_handoff_is_shown_and_reaches_the_agent_queue(widget: WidgetPage, service):
    widget.load()
    widget.open()
    widget.send("转人工")
    notice = widget.wait_for_elements(".dw-human", "no human hand-off notice")[-1]
    assert notice.get_attribute("role") == "note"
    save_screenshot(widget.driver, "widget-human-handoff")
    queue = service.get("/api/agent/handoffs", headers=AGENT_HEADERS).json()["handoffs"]
    assert widget.sender() in [handoff["sender_id"] for handoff in queue]


# --- the WebSocket protocol itself ----------------------------------------------------------------


def socket_url(servers: ServerPair, sender: str) -> str:
    return servers.service_url.replace("http://", "ws://") + f"/widget/ws?sender={sender}"


def new_sender() -> str:
    return "web-" + uuid.uuid4().hex


def test_websocket_answers_typing_then_the_bot_messages(servers: ServerPair):
    with connect(socket_url(servers, new_sender()), open_timeout=20) as socket:
        socket.send(json.dumps({"type": "message", "text": "你好", "elder_mode": True}))
        assert json.loads(socket.recv(timeout=30)) == {"type": "typing"}
        answer = json.loads(socket.recv(timeout=REPLY_TIMEOUT))
        assert answer["type"] == "bot"
        assert any(GREETING in message.get("text", "") for message in answer["messages"])
        assert all(message["from"] == "bot" for message in answer["messages"])
        socket.send(json.dumps({"type": "ping"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}


@pytest.mark.parametrize(
    "frame, problem",
    [("not json", "格式"), (json.dumps({"type": "message", "text": "  "}), "请输入"),
     (json.dumps({"type": "message", "text": "长" * 2001}), "太长"), (json.dumps({"type": "file"}), "不支持")],
)  # fmt: skip
def test_websocket_bad_frames_get_an_error_frame_and_the_connection_stays(servers: ServerPair, frame, problem):
    with connect(socket_url(servers, new_sender()), open_timeout=20) as socket:
        socket.send(frame)
        reply = json.loads(socket.recv(timeout=10))
        assert reply["type"] == "error" and problem in reply["message"]
        socket.send(json.dumps({"type": "ping"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}


@pytest.mark.parametrize("sender", ["wx-oABCDEFGHIJKLMNOPQRS", "web-short", "web-" + "x" * 80])
def test_websocket_refuses_senders_that_are_not_widget_ids(servers: ServerPair, sender):
    with connect(socket_url(servers, sender), open_timeout=20) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "error"
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd.code == 4400


def test_history_refuses_other_channels_conversations(service):
    for sender in ("wx-oABCDEFGHIJKLMNOPQRS", "e2e-seam-1", ""):
        reply = service.get("/widget/history", params={"sender": sender})
        assert reply.status_code == 400 and "web-" in reply.json()["error"]
    fresh = service.get("/widget/history", params={"sender": new_sender()})
    assert fresh.status_code == 200 and fresh.json()["messages"] == []
    assert fresh.headers["access-control-allow-origin"] == "*"
