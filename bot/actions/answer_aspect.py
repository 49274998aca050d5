"""Follow-up questions about the matter under discussion: materials, time, fee, where, online, process.

"那要带什么材料？" is about the current matter; "开饭店要带什么材料？" names a new need. With a
guide on screen, :func:`bot.actions.follow_up.follow_up` decides which (and answers from the
guide, or asks to confirm a switch); a message that names another need is searched and the
aspect is answered for the new matter. A button of an earlier guide is answered as such
(:mod:`bot.actions.stale_buttons`).
"""

from __future__ import annotations

from bot.actions.answer_bands import decide
from bot.actions.base import DaofuAction, Turn
from bot.actions.find_matter import search_need, take_applicant
from bot.actions.follow_up import Route, aspect_in, follow_up, names_a_need
from bot.actions.gaps import remember_gap
from bot.actions.guide_messages import ASPECT_LABELS, ASPECT_OF_INTENT
from bot.actions.showing import present, remember_place, show_matter
from bot.actions.stale_buttons import is_stale, say_stale
from daofu.messages import Text
from indexer.search import SearchResult


class ActionAnswerAspect(DaofuAction):
    action_name = "action_answer_aspect"

    def decide(self, turn: Turn) -> None:
        state, searcher = turn.state, turn.services.searcher()
        aspect = ASPECT_OF_INTENT.get(state.intent or "", "materials")
        if is_stale(turn):
            say_stale(turn, ASPECT_LABELS[aspect])
            return
        text = state.user_text
        take_applicant(turn)
        if text and state.guide_id:
            if follow_up(turn, text, aspect_hint=aspect) is Route.ANSWERED:
                return
            switch_to_need(turn, text, aspect_in(text) or aspect)
            return
        if text and names_a_need(searcher, text):
            result = search_need(turn, text)
            decision = decide(result)
            close_codes = {hit.matter_code for hit in decision.hits}
            stays = state.matter_code is not None and (state.matter_code in close_codes or result.no_match)
            if not stays:
                switch_to_need(turn, text, aspect, result)
                return
        elif text:
            remember_place(turn, searcher.resolver.detect(text))
        if state.matter_code is None:
            turn.say(Text("请先告诉我您要办理什么事情，比如“补办社保卡”，我再告诉您需要的材料、时限和地点。"))
            return
        show_matter(turn, state.matter_code, aspect)


def switch_to_need(turn: Turn, text: str, aspect: str, result: SearchResult | None = None) -> None:
    """Search ``text`` as a new need and answer ``aspect`` for what it finds."""
    state = turn.state
    result = result or search_need(turn, text)
    decision = decide(result)
    state.clear_pending()
    state.pending_query = text
    present(turn, decision, then=aspect)
    remember_gap(turn, text, decision)
