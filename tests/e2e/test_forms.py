"""The demo application form on the real service, over HTTP and in headless Chromium."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from daofu.processes import ServerPair
from knowledge import DEMO_NOTICE
from tests.e2e.conftest import AGENT_TOKENS, BROWSER_WINDOW, save_screenshot

pytestmark = pytest.mark.e2e

GUIDE = "NB-330212-NBC-A-033"  # 居民身份证换领, 鄞州区
MATTER = "NBC-A-033"
AGENT_HEADERS = {"Authorization": f"Bearer {next(iter(AGENT_TOKENS.values()))}"}


def test_the_catalogues_form_link_opens_this_form(service):
    guide = service.get(f"/api/agent/guides/{GUIDE}", headers=AGENT_HEADERS).json()
    link = urlsplit(guide["form_url"])
    page = service.get(f"{link.path}?{link.query}")
    assert page.status_code == 200
    assert "在线申报：居民身份证换领" in page.text and DEMO_NOTICE in page.text


def test_prefill_is_escaped_on_the_real_service(service):
    attack = "<script>alert(1)</script>"
    page = service.get(f"/forms/{MATTER}", params={"guide": GUIDE, "region": attack, "applicant_type": "个人"})
    assert page.status_code == 200
    assert attack not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_unknown_matter_is_a_404_page_not_a_traceback(service):
    page = service.get("/forms/NOPE-404", params={"guide": "NB-NOPE"})
    assert page.status_code == 404
    assert "未找到申报事项" in page.text and "Traceback" not in page.text


def test_the_form_in_a_browser_is_prefilled_with_a_materials_checklist(browser: WebDriver, servers: ServerPair):
    browser.set_window_size(*BROWSER_WINDOW)
    query = urlencode({"guide": GUIDE, "region": "鄞州区", "applicant_type": "个人", "matter": "居民身份证换领",
                       "reason": "有效期满换领"})  # fmt: skip
    browser.get(f"{servers.service_url}/forms/{MATTER}?{query}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "在线申报：居民身份证换领"
    assert browser.find_element(By.ID, "f-region").get_attribute("value") == "鄞州区"
    assert browser.find_element(By.ID, "f-matter").get_attribute("value") == "居民身份证换领"
    assert browser.find_element(By.CSS_SELECTOR, "#f-applicant_type option:checked").text == "个人"
    extra = browser.find_element(By.CSS_SELECTOR, ".extra input")
    assert extra.get_attribute("value") == "有效期满换领"
    boxes = browser.find_elements(By.CSS_SELECTOR, ".materials input[type=checkbox]")
    assert boxes and not any(box.is_selected() for box in boxes)
    boxes[0].click()
    assert boxes[0].is_selected()
    assert browser.find_element(By.CSS_SELECTOR, ".demo-ribbon").is_displayed()
    # The page's style sheet is its own (nothing from outside): the header got its colour.
    header = browser.find_element(By.CSS_SELECTOR, ".form-header")
    colour = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor;", header)
    assert colour == "rgb(11, 92, 173)"
    browser.execute_script("document.querySelector('.apply').scrollIntoView();")
    save_screenshot(browser, "form-prefilled-checklist")


def test_the_404_page_in_a_browser(browser: WebDriver, servers: ServerPair):
    browser.get(f"{servers.service_url}/forms/NOPE-404?guide=NB-NOPE")
    assert browser.find_element(By.TAG_NAME, "h1").text == "未找到申报事项"
    save_screenshot(browser, "form-not-found")
