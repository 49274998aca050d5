"""Follow-up questions about the matter under discussion: materials, time, fee, where, online, process.

"那要带什么材料？" is about the current matter; "开饭店要带什么材料？" names a new need
(:func:`bot.actions.follow_up.names_a_need`). A question that names a need is searched; if the
current matter is among the close results the conversation stays with it, otherwise it switches
to the new matter and answers the aspect for that one.
"""

from __future__ import annotations

from bot.actions.answer_bands import decide
from bot.actions.base import DaofuAction, Turn
from bot.actions.find_matter import search_need, take_applicant
from bot.actions.follow_up import names_a_need
from bot.actions.gaps import remember_gap
from bot.actions.guide_messages import ASPECT_OF_INTENT
from bot.actions.showing import present, remember_place, show_matter
from daofu.messages import Text


class ActionAnswerAspect(DaofuAction):
    action_name = "action_answer_aspect"

    def decide(self, turn: Turn) -> None:
        state, searcher = turn.state, turn.services.searcher()
        aspect = ASPECT_OF_INTENT.get(state.intent or "", "materials")
        text = state.user_text
        take_applicant(turn)
        if text and names_a_need(searcher, text):
            result = search_need(turn, text)
            decision = decide(result)
            close_codes = {hit.matter_code for hit in decision.hits}
            stays = state.matter_code is not None and (state.matter_code in close_codes or result.no_match)
            if not stays:
                state.clear_pending()
                state.pending_query = text
                present(turn, decision, then=aspect)
                remember_gap(turn, text, decision)
                return
        elif text:
            remember_place(turn, searcher.resolver.detect(text))
        if state.matter_code is None:
            turn.say(Text("请先告诉我您要办理什么事情，比如“补办社保卡”，我再告诉您需要的材料、时限和地点。"))
            return
        show_matter(turn, state.matter_code, aspect)
