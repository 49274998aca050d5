"""Follow-up questions about the matter under discussion: materials, time, fee, where, online, process.

"那要带什么材料？" is about the current matter; "开饭店要带什么材料？" names a new need. The
difference is whether anything is left of the question once the aspect words (材料, 多久, 哪里…),
place names and function words are taken away. A question that names a need is searched; if
the current matter is among the close results the conversation stays with it, otherwise it
switches to the new matter and answers the aspect for that one.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services
from bot.actions.cards import ASPECT_INTENTS
from bot.actions.finding import search_need, take_applicant, utter_all
from bot.actions.navigation import decide
from bot.actions.presenting import present, remember_place, show_matter
from bot.actions.state import ConversationState
from bot.actions.understanding import names_a_need

log = logging.getLogger(__name__)

ASPECT_OF_INTENT = {intent: aspect for aspect, intent in ASPECT_INTENTS.items()}

class ActionAnswerAspect(Action):
    def name(self) -> str:
        return "action_answer_aspect"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        aspect = ASPECT_OF_INTENT.get(state.intent or "", "materials")
        text = state.user_text
        take_applicant(state)
        if text and names_a_need(text):
            result = search_need(state, text)
            decision = decide(result)
            close_codes = {hit.matter_code for hit in decision.hits}
            stays = state.matter_code is not None and (state.matter_code in close_codes or result.no_match)
            if not stays:
                state.clear_pending()
                state.pending_query = text
                utter_all(dispatcher, present(state, decision, then=aspect))
                return state.events()
        elif text:
            place = services.searcher().resolver.detect(text)
            remember_place(state, place)
        if state.matter_code is None:
            dispatcher.utter_message(text="请先告诉我您要办理什么事情，比如“补办社保卡”，我再告诉您需要的材料、时限和地点。")
            return state.events()
        utter_all(dispatcher, show_matter(state, state.matter_code, aspect))
        return state.events()
