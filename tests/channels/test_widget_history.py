"""Rasa tracker events → the widget's history (what a reload shows)."""

from __future__ import annotations

from channels.widget.history import history_from_events

CHOOSE = '/choose_option{"guide_id":"NB-330212-NBC-A-020"}'
RATE = '/rate_service{"rating":5}'
TRACKER_EVENTS = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    {"event": "slot", "name": "session_started_metadata", "value": {"channel": "widget"}},
    {"event": "user", "text": "身份证快到期了", "metadata": {"channel": "widget", "elder_mode": False},
     "parse_data": {"intent": {"name": "ask_service"}}},
    {"event": "action", "name": "action_find_service"},
    {"event": "bot", "text": "您要办理的是哪一种？", "metadata": {},
     "data": {"elements": None, "quick_replies": None, "attachment": None, "image": None, "custom": None,
              "buttons": [{"title": "居民身份证换领", "payload": CHOOSE},
                          {"title": "居民身份证补领", "payload": '/choose_option{"guide_id":"NB-330212-NBC-A-021"}'}]}},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": CHOOSE, "metadata": {"channel": "widget"}},
    {"event": "bot", "text": None, "data": {"custom": {"type": "guide_card", "text": "居民身份证换领…",
                                                      "name": "居民身份证换领", "form_url": "http://127.0.0.1:8000/forms/x"}}},
    {"event": "bot", "text": None, "data": {"custom": {
        "type": "rating_request", "text": "请对本次服务进行评价：",
        "options": [{"level": 5, "title": "非常满意", "payload": RATE},
                    {"level": 1, "title": "非常不满意", "payload": '/rate_service{"rating":1}'}]}}},
    {"event": "user", "text": RATE},
    {"event": "bot", "text": "感谢您的评价！", "data": {}},
]  # fmt: skip


def test_user_and_bot_messages_in_order_with_chosen_buttons_shown_by_title():
    history = history_from_events(TRACKER_EVENTS)
    assert [(m["from"], m.get("text") or m["custom"]["type"]) for m in history] == [
        ("user", "身份证快到期了"),
        ("bot", "您要办理的是哪一种？"),
        ("user", "居民身份证换领"),  # the payload, shown as what the person clicked
        ("bot", "guide_card"),
        ("bot", "rating_request"),
        ("user", "非常满意"),
        ("bot", "感谢您的评价！"),
    ]
    assert history[1]["buttons"][0] == {"title": "居民身份证换领", "payload": CHOOSE}
    assert history[3]["custom"]["form_url"] == "http://127.0.0.1:8000/forms/x"


def test_a_typed_payload_that_was_never_offered_is_shown_as_typed():
    history = history_from_events([{"event": "user", "text": "/greet"}])
    assert history == [{"from": "user", "text": "/greet"}]


def test_only_buttons_offered_before_count():
    events = [
        {"event": "user", "text": CHOOSE},
        {"event": "bot", "text": "请选择", "data": {"buttons": [{"title": "换领", "payload": CHOOSE}]}},
    ]
    assert history_from_events(events)[0] == {"from": "user", "text": CHOOSE}


def test_malformed_events_are_skipped():
    events = [None, "x", {"event": "user"}, {"event": "user", "text": ""}, {"event": "bot", "data": "x"},
              {"event": "bot", "text": None, "data": {"custom": {"no": "type"}}}, {"no": "event"}]  # fmt: skip
    assert history_from_events(events) == []


def test_links_from_the_tracker_are_checked_like_live_ones():
    events = [
        {"event": "bot", "data": {"custom": {"type": "form_handoff", "text": "去办理", "form_url": "javascript:x"}}}
    ]
    # A hand-off without a usable link is only its text.
    assert history_from_events(events) == [{"from": "bot", "text": "去办理"}]


def test_only_the_latest_messages_are_kept():
    events = [{"event": "user", "text": f"第{i}条"} for i in range(300)]
    history = history_from_events(events, limit=200)
    assert len(history) == 200 and history[0]["text"] == "第100条" and history[-1]["text"] == "第299条"
