"""Yes, no, small talk and questions outside government services."""

from __future__ import annotations

import logging

from bot.actions.base import HUMAN_BUTTON, DaofuAction, Turn
from bot.actions.find_matter import find_service
from bot.actions.follow_up import Route, aspect_in, follow_up
from bot.actions.guide_messages import aspect_buttons
from bot.actions.leaving import hand_to_person
from bot.actions.life_event import offer_life_event
from bot.actions.scope import judge_for
from bot.actions.showing import show_matter
from bot.actions.stale_buttons import button_guide, say_stale_confirmation
from bot.actions.state import OFFER_SWITCH, PENDING_APPLY
from bot.actions.yes_no import is_yes_no
from daofu.messages import Text

log = logging.getLogger(__name__)

SMALL_TALK = (
    "我是甬导服，宁波政务服务的智能导服助手（不是真人）。我能帮您找到要办的事项，"
    "告诉您材料、时限、费用和办理地点，并带您去在线申请。请问您想办什么事？"
)
OUT_OF_SCOPE = (
    "抱歉，这个问题不在政务服务范围内，我只能解答宁波政务服务事项的办理问题。"
    "如需其他帮助，可以拨打12345热线，或转人工客服。"
)


class ActionAffirm(DaofuAction):
    """ "好的/是的": accept what was just offered (a person, the application form)."""

    action_name = "action_affirm"

    def decide(self, turn: Turn) -> None:
        state = turn.state
        if answered_switch(turn, accepted=True):
            return
        if state.offer == "handoff":
            hand_to_person(turn)
        elif asks_about_guide(turn):
            # "本人不去可以吗" is a question about the guide (or a new need), not a yes to the form.
            if follow_up(turn, state.user_text) is not Route.ANSWERED:
                find_service(turn)
        elif state.guide_id and state.matter_code:
            show_matter(turn, state.matter_code, PENDING_APPLY)
        else:
            turn.keep_state = False
            turn.say(Text("好的。请问还有什么可以帮您？"))


class ActionDeny(DaofuAction):
    action_name = "action_deny"

    def decide(self, turn: Turn) -> None:
        state = turn.state
        if answered_switch(turn, accepted=False):
            return
        if asks_about_guide(turn):
            if follow_up(turn, state.user_text) is not Route.ANSWERED:
                find_service(turn)
            return
        if state.offer == "handoff":
            turn.say(Text("好的。您可以换个说法再问我，比如说明要办的证件或要做的事。"))
        else:
            turn.say(Text("好的。还有其他需要吗？"))
        state.offer = None


class ActionChitchat(DaofuAction):
    action_name = "action_chitchat"

    def decide(self, turn: Turn) -> None:
        if on_screen_question(turn):
            return
        turn.keep_state = False
        turn.say(Text(SMALL_TALK))


class ActionOutOfScope(DaofuAction):
    """ "不在政务服务范围内" — only when neither a life event nor search says otherwise.

    The NLU sees a few hundred out-of-scope examples; search sees the whole catalogue. A request
    the NLU takes for tickets or weather but that is closer to a life event or to the catalogue than
    to any of those examples is answered as a need (:mod:`bot.actions.scope`).
    """

    action_name = "action_out_of_scope"

    def decide(self, turn: Turn) -> None:
        if on_screen_question(turn):
            return
        text = turn.state.user_text
        if text.strip():
            searcher = turn.services.searcher()
            judge = judge_for(turn.services.settings, searcher)
            result = searcher.search(text, top_k=5, default_region=turn.state.region)
            if judge.is_a_need(result):
                log.info("out_of_scope overruled by search: %s", result.hits[0].name)
                find_service(turn)
                return
            # Nothing sure in the catalogue, but a life event named by its words is better than a refusal.
            if offer_life_event(turn, text, judge.is_the_event):
                return
        turn.state.offer = "handoff"
        turn.say(Text(OUT_OF_SCOPE, (HUMAN_BUTTON,)))


def asks_about_guide(turn: Turn) -> bool:
    """A yes/no question with words of its own ("周六可以吗"), with a guide on screen: not a bare 好的/不用."""
    text = turn.state.user_text.strip()
    return bool(turn.state.guide_id) and len(text) > 4 and is_yes_no(text)


def on_screen_question(turn: Turn) -> bool:
    """With a guide on screen, words the NLU took for small talk or out of scope may still ask about
    it ("老人行动不便怎么办"); answered from the guide when they do (True)."""
    state = turn.state
    if not state.guide_id or not state.user_text.strip():
        return False
    return follow_up(turn, state.user_text, strict=True) is Route.ANSWERED


def answered_switch(turn: Turn, accepted: bool) -> bool:
    """是/不是 to “您是想改问「…」吗？” (typed or a button); a stale 是/不是 button is said to be so."""
    state = turn.state
    pressed = button_guide(turn)
    asked = state.candidates[0] if state.offer == OFFER_SWITCH and state.candidates else None
    if asked is None or (pressed is not None and pressed != asked):
        if pressed is not None:
            say_stale_confirmation(turn)
            return True
        return False
    query = state.pending_query or ""
    state.clear_pending()
    if accepted:
        matter_code = turn.services.searcher().matter_of_guide(asked)
        if matter_code is not None:
            show_matter(turn, matter_code, aspect_in(query))
            return True
    name = state.matter_name or "这个事项"
    buttons = aspect_buttons(guide_id=state.guide_id) if state.guide_id else ()
    turn.say(Text(f"好的，我们接着说「{name}」。您还想了解哪方面？", buttons))
    return True
