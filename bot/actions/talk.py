"""Yes, no, small talk and questions outside government services."""

from __future__ import annotations

import logging

from bot.actions.answer_bands import overrides_out_of_scope
from bot.actions.base import HUMAN_BUTTON, DaofuAction, Turn
from bot.actions.find_matter import find_service
from bot.actions.leaving import hand_to_person
from bot.actions.showing import show_matter
from bot.actions.state import PENDING_APPLY
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
        if state.offer == "handoff":
            hand_to_person(turn)
        elif state.guide_id and state.matter_code:
            show_matter(turn, state.matter_code, PENDING_APPLY)
        else:
            turn.keep_state = False
            turn.say(Text("好的。请问还有什么可以帮您？"))


class ActionDeny(DaofuAction):
    action_name = "action_deny"

    def decide(self, turn: Turn) -> None:
        state = turn.state
        if state.offer == "handoff":
            turn.say(Text("好的。您可以换个说法再问我，比如说明要办的证件或要做的事。"))
        else:
            turn.say(Text("好的。还有其他需要吗？"))
        state.offer = None


class ActionChitchat(DaofuAction):
    action_name = "action_chitchat"

    def decide(self, turn: Turn) -> None:
        turn.keep_state = False
        turn.say(Text(SMALL_TALK))


class ActionOutOfScope(DaofuAction):
    """ "不在政务服务范围内" — only when search does not say otherwise.

    The NLU sees a few thousand examples; search sees the whole catalogue. A request the NLU
    takes for tickets or weather but that search finds a plausible matter for, told at length or
    naming the matter ("我七十多了眼睛不好，社保卡密码忘记掉了…"),
    is searched as a need (:func:`~bot.actions.answer_bands.overrides_out_of_scope`).
    """

    action_name = "action_out_of_scope"

    def decide(self, turn: Turn) -> None:
        text = turn.state.user_text
        if text.strip():
            searcher = turn.services.searcher()
            result = searcher.search(text, top_k=5, default_region=turn.state.region)
            if result.hits and overrides_out_of_scope(result, searcher.name_words(result.hits[0].matter_code)):
                log.info("out_of_scope overruled by search: %s", result.hits[0].name)
                find_service(turn)
                return
        turn.state.offer = "handoff"
        turn.say(Text(OUT_OF_SCOPE, (HUMAN_BUTTON,)))
