"""一件事: the life-event file, its checks against the catalogue, and matching a message to an event."""

from __future__ import annotations

from pathlib import Path

import pytest

from daofu.config import load_settings
from indexer.life_events import (
    LifeEventsError,
    check_against_catalogue,
    check_life_events,
    load_life_events,
)
from knowledge.db import create_engine_for
from knowledge.repository import Catalog


@pytest.fixture(scope="module")
def events():
    return load_life_events()


@pytest.fixture(scope="module")
def catalogue_names() -> set[str]:
    settings = load_settings()
    engine = create_engine_for(settings.database_url)
    try:
        return {matter.name for matter in Catalog(engine, settings).iter_matters()}
    finally:
        engine.dispose()


def test_every_step_of_the_shipped_file_is_a_matter_of_the_catalogue(events, catalogue_names):
    assert 15 <= len(events.events) <= 30
    assert check_against_catalogue(events, catalogue_names.__contains__, catalogue_names) == []
    # Every 一件事 matter of the catalogue is offered by an event, as the one-stop way.
    one_stop = {event.one_stop for event in events.events if event.one_stop}
    assert {name for name in catalogue_names if "一件事" in name} <= one_stop


def test_the_setup_step_checks_the_file_against_the_catalogue():
    assert check_life_events(load_settings()).by_id("small-eatery") is not None


def test_a_missing_matter_names_the_event_and_the_matter(events, catalogue_names):
    without = catalogue_names - {"小餐饮店登记证核发"}
    with pytest.raises(LifeEventsError, match=r"'small-eatery'.*'小餐饮店登记证核发'.*not a matter of the catalogue"):
        check_against_catalogue(events, without.__contains__)


@pytest.mark.parametrize(
    ("message", "event_id"),
    [
        ("我打算在菜场旁边开一家小吃店", "small-eatery"),
        ("想开个面馆，不晓得要办啥", "small-eatery"),
        ("女儿上个礼拜刚生了宝宝", "baby-born"),
        ("我爸前天在医院过世了", "death-in-family"),
        ("准备跟朋友合伙注册一个公司", "start-company"),
        ("在慈溪买了套二手房要过户", "buy-second-hand-home"),
        ("下个月就到退休年龄了", "retire"),
        ("厂里裁员，我被辞退了", "lose-job"),
    ],
)
def test_a_message_is_matched_to_its_event(events, message, event_id):
    found = events.match(message)
    assert found is not None and found.event.id == event_id, found


@pytest.mark.parametrize("message", ["我开车去饭店吃饭", "社保卡密码忘了", "身份证下个月到期", "今天天气怎么样"])
def test_messages_about_something_else_match_no_event(events, message):
    assert events.match(message) is None


def test_the_rest_of_the_message_leaves_out_the_words_that_named_the_event(events):
    found = events.match("我在鄞州想开家面馆，要办哪些证")
    assert found is not None and "面馆" not in found.rest() and "哪些证" in found.rest()


def test_the_longer_trigger_wins_when_two_events_match(events):
    # 开…公司 (start a company) and 注销…公司 (close it) both occur; closing is the longer trigger.
    found = events.match("开了十年的公司要注销")
    assert found is not None and found.event.id == "close-company"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "life_events.yml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("events: []", "expected a list under 'events'"),
        ("events: [{id: Bad Id}]", "'id' must be"),
        ("events: [{id: a1, name: x, description: y, triggers: [开…], steps: []}]", "'triggers' must be"),
        ("events: [{id: a1, name: x, description: y, triggers: [开店], steps: [{matter: A}]}]", "at least two steps"),
        (
            "events: [{id: a1, name: x, description: y, triggers: [开店], steps: [{matter: A, either: [B, C]}, "
            "{matter: D}]}]",
            "step 1: write either",
        ),
        (
            "events: [{id: a1, name: x, description: y, triggers: [开店], steps: [{matter: A}, {matter: B}]}, "
            "{id: a1, name: x, description: y, triggers: [开店], steps: [{matter: A}, {matter: B}]}]",
            "used twice",
        ),
        ("events: [\n  - id: [", "not valid YAML"),
    ],
)
def test_a_malformed_file_is_one_clear_error(tmp_path, body, complaint):
    with pytest.raises(LifeEventsError, match=complaint):
        load_life_events(write(tmp_path, body))


def test_a_missing_file_says_where_it_should_be(tmp_path):
    with pytest.raises(LifeEventsError, match="does not exist"):
        load_life_events(tmp_path / "nowhere.yml")
