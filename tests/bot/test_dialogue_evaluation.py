"""The simulated citizen's reading of replies and its next step (pure parts of bot/evaluation).

Replies are built with the project's own message types (:mod:`daofu.messages`), in the wire
format ``/api/chat`` returns; the end-to-end run through the real servers is in
tests/e2e/test_dialogue_eval.py.
"""

from __future__ import annotations

from bot.evaluation.replies import MatterLookup, Offered, read_reply, split_payload
from bot.evaluation.report import summarise
from bot.evaluation.simulate import Conversation, DialogueQuestion, Outcome, _next_step
from daofu.messages import Button, GuideCard, Text, payload, to_wire

LOOKUP = MatterLookup(
    names={"NBC-A-020": "居民身份证换领", "NBC-A-021": "居民身份证补领", "NBC-B-001": "社会保障卡补领"},
    codes={"居民身份证换领": "NBC-A-020", "居民身份证补领": "NBC-A-021", "社会保障卡补领": "NBC-B-001"},
    matter_of_guide={
        "NB-330212-NBC-A-020": "NBC-A-020",
        "NB-330212-NBC-A-021": "NBC-A-021",
        "NB-330200-NBC-B-001": "NBC-B-001",
    },
)
ASPECTS = (Button("所需材料", payload("ask_materials")), Button("去办理", payload("start_application")))
DISTRICTS = tuple(Button(name, payload("inform_region", region=name)) for name in ("海曙区", "鄞州区"))


def choices(*guide_ids: str) -> Text:
    buttons = tuple(
        Button(f"{i}. {LOOKUP.names[LOOKUP.matter_of_guide[g]]}", payload("choose_option", guide_id=g))
        for i, g in enumerate(guide_ids, 1)
    )
    return Text("找到几项相近的事项，您要办理的是哪一项？", buttons)


def card(guide_id: str) -> GuideCard:
    code = LOOKUP.matter_of_guide[guide_id]
    return GuideCard(text="…", guide_id=guide_id, matter_code=code, name=LOOKUP.names[code], region="鄞州区")


def question(*expected: str, region: str | None = None) -> DialogueQuestion:
    return DialogueQuestion("q1", "身份证快到期了", tuple(expected), region, None)


def wire(*messages) -> list[dict]:
    return [to_wire(m) for m in messages]


def test_payloads_are_split_into_intent_and_entities():
    assert split_payload('/choose_option{"guide_id":"G1"}') == ("choose_option", {"guide_id": "G1"})
    assert split_payload("/start_application") == ("start_application", {})
    assert split_payload("/choose_option{broken") == ("choose_option", {})


def test_a_guide_card_is_read_as_its_matter():
    reply = read_reply(wire(card("NB-330212-NBC-A-020"), Text("您还想了解哪方面？", ASPECTS)), LOOKUP)
    assert reply.shown == ("NBC-A-020",)
    assert not reply.choices and not reply.asks_district


def test_an_aspect_answer_names_the_guide_on_screen():
    reply = read_reply(wire(Text("办理「居民身份证补领」（鄞州区）需要准备：\n1. 户口簿", ASPECTS)), LOOKUP)
    assert reply.shown == ("NBC-A-021",)


def test_the_district_question_shows_no_guide_although_it_names_one():
    reply = read_reply(wire(Text("「居民身份证换领」由各区县分别办理，请问您在哪个区县？", DISTRICTS)), LOOKUP)
    assert reply.shown == () and reply.asks_district
    assert reply.district_button("鄞州区").payload == DISTRICTS[1].payload
    assert reply.district_button(None) == reply.districts[0]
    assert reply.district_button("象山县") is None


def test_choices_are_read_by_payload_whatever_their_titles():
    worded = Text(
        "您是要临时挂失，还是补领？",
        (Button("丢了要补一张", payload("choose_option", guide_id="NB-330200-NBC-B-001")),),
    )
    reply = read_reply(wire(worded), LOOKUP)
    assert [c.matter_code for c in reply.choices] == ["NBC-B-001"]
    assert reply.choice_for(["NBC-A-020", "NBC-B-001"]).title == "丢了要补一张"


def test_refusal_and_no_match_are_told_apart():
    refused = read_reply(wire(Text("抱歉，这个问题不在政务服务范围内，我只能解答宁波政务服务事项的办理问题。")), LOOKUP)
    assert refused.out_of_scope and not refused.no_match
    nothing = read_reply(
        wire(Text("抱歉，没有找到与“宇航员”对应的办事指南。", (Button("转人工客服", "/request_human"),))), LOOKUP
    )
    assert nothing.no_match and not nothing.out_of_scope and not nothing.choices


def step(conversation: Conversation, *messages) -> Offered | None:
    expected = [LOOKUP.codes[name] for name in conversation.question.expected]
    conversation.replies += 1
    return _next_step(conversation, read_reply(wire(*messages), LOOKUP), expected, LOOKUP)


def test_the_citizen_presses_the_expected_choice_then_its_district_then_succeeds():
    conversation = Conversation(question("居民身份证换领", region="鄞州区"))
    pressed = step(conversation, choices("NB-330212-NBC-A-021", "NB-330212-NBC-A-020"))
    assert pressed is not None and pressed.matter_code == "NBC-A-020"
    pressed = step(conversation, Text("请问您在哪个区县？", DISTRICTS))
    assert pressed is not None and pressed.title == "鄞州区"
    assert step(conversation, card("NB-330212-NBC-A-020")) is None
    assert conversation.outcome is Outcome.SUCCESS and conversation.replies == 3
    assert conversation.shown == "居民身份证换领"


def test_the_citizen_stops_at_a_wrong_guide_or_when_the_right_one_is_not_offered():
    wrong = Conversation(question("居民身份证换领"))
    assert step(wrong, card("NB-330212-NBC-A-021")) is None
    assert wrong.outcome is Outcome.WRONG_GUIDE and wrong.shown == "居民身份证补领"
    missing = Conversation(question("社会保障卡补领"))
    assert step(missing, choices("NB-330212-NBC-A-021", "NB-330212-NBC-A-020")) is None
    assert missing.outcome is Outcome.NOT_OFFERED


def test_a_negative_is_handled_by_a_refusal_or_small_talk_and_not_by_choices():
    refused = Conversation(question())
    step(refused, Text("抱歉，这个问题不在政务服务范围内。"))
    assert refused.outcome is Outcome.NEGATIVE_REFUSED and refused.success
    talk = Conversation(question())
    step(talk, Text("不客气！还有其他要办的事吗？"))
    assert talk.outcome is Outcome.NEGATIVE_TALK and talk.success
    offered = Conversation(question())
    step(offered, choices("NB-330212-NBC-A-021"))
    assert offered.outcome is Outcome.NEGATIVE_CHOICES and not offered.success
    shown = Conversation(question())
    step(shown, card("NB-330212-NBC-A-021"))
    assert shown.outcome is Outcome.NEGATIVE_GUIDE and not shown.success


def test_the_figures_add_up():
    done = [Conversation(question("居民身份证换领"), Outcome.SUCCESS, replies=r) for r in (1, 2, 3)]
    done += [Conversation(question("居民身份证换领"), Outcome.OUT_OF_SCOPE, replies=1)]
    done += [Conversation(question(), Outcome.NEGATIVE_TALK, replies=1)]
    report = summarise(done, max_replies=3)
    assert (report.questions, report.in_scope, report.negatives) == (5, 4, 1)
    assert report.within == {1: 0.25, 2: 0.5, 3: 0.75} and report.success == 0.75
    assert report.in_scope_outcomes["out_of_scope"] == 0.25 and report.negatives_handled == 1.0
    assert [m["outcome"] for m in report.misses] == ["out_of_scope"]
