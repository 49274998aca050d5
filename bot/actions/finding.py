"""Finding the matter: search a need, choose among options, give the place or the applicant.

These actions move the conversation from a vague need to one guide on screen. They share the
decision rules of :mod:`bot.actions.navigation` and the rendering of :mod:`bot.actions.presenting`.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services
from bot.actions.cards import payload
from bot.actions.navigation import MAX_OPTIONS, best_name_match, decide, ordinal_in
from bot.actions.presenting import present as present_decision
from bot.actions.presenting import region_question, remember_place, show_matter
from bot.actions.state import PENDING_APPLY, PENDING_ASPECT, ConversationState
from bot.actions.understanding import aspect_in, names_a_need
from indexer.search import SearchResult

log = logging.getLogger(__name__)

APPLICANT_WORDS = {"个人": "个人", "自己": "个人", "本人": "个人", "企业": "企业", "公司": "企业", "单位": "企业",
                   "法人": "企业", "个体": "个人"}


def utter_all(dispatcher: CollectingDispatcher, messages: list[dict]) -> None:
    for message in messages:
        if "custom" in message:
            dispatcher.utter_message(json_message=message["custom"])
        else:
            dispatcher.utter_message(text=message.get("text"), buttons=message.get("buttons") or [])


def search_need(state: ConversationState, text: str) -> SearchResult:
    """Search ``text`` for the asker's place (named now, or earlier in the conversation)."""
    result = services.searcher().search(text, top_k=5, default_region=state.region)
    if result.place is not None and result.place_source == "text":
        remember_place(state, result.place)
    return result


def take_applicant(state: ConversationState) -> None:
    value = state.entities.get("applicant_type")
    if value in ("个人", "企业"):
        state.applicant_type = value
        return
    for word, kind in APPLICANT_WORDS.items():
        if word in state.user_text:
            state.applicant_type = kind
            return


class ActionFindService(Action):
    """A need in the asker's words → a guide card, options, the region question, or no match."""

    def name(self) -> str:
        return "action_find_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        text = state.user_text
        if not text.strip():
            dispatcher.utter_message(text="请告诉我您想办理什么事情，比如“补办身份证”。")
            return []
        take_applicant(state)
        if state.matter_code and not names_a_need(text):
            aspect = aspect_in(text)
            if aspect is not None:
                # A follow-up about the matter on screen, whatever the NLU made of it.
                utter_all(dispatcher, show_matter(state, state.matter_code, aspect))
                return state.events()
        state.clear_pending()
        result = search_need(state, text)
        state.pending_query = text
        messages = present_decision(state, decide(result))
        utter_all(dispatcher, messages)
        log.info("search for %s: %s, %d hits, no_match=%s", state.sender_id, decide(result).step.value,
                 len(result.hits), result.no_match)
        return state.events()


class ActionChooseOption(Action):
    """The asker picks one of the options just shown: a button, a number, or its words."""

    def name(self) -> str:
        return "action_choose_option"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        searcher = services.searcher()
        guide_id = state.entities.get("guide_id")
        if guide_id is None and state.candidates:
            index = ordinal_in(state.user_text, len(state.candidates))
            if index is None:
                names = [searcher.matter_name(searcher.matter_of_guide(c) or "") or "" for c in state.candidates]
                index = best_name_match(state.user_text, names)
            if index is not None:
                guide_id = state.candidates[index]
        matter_code = searcher.matter_of_guide(guide_id) if guide_id else None
        if matter_code is None:
            if state.candidates:
                dispatcher.utter_message(text="没有听明白您选的是哪一项，请点选上面的选项或回复序号（如“1”）。")
                return []
            if ordinal_in(state.user_text, MAX_OPTIONS) is not None or len(state.user_text) <= 4:
                # "第二个" with nothing on offer: searching those words would find nonsense.
                dispatcher.utter_message(text="现在没有可选的选项。请告诉我您想办理什么事情，比如“补办身份证”。")
                return []
            # Words that name something else: treat them as a new need.
            return ActionFindService().run(dispatcher, tracker, domain)
        then = state.pending_aspect
        utter_all(dispatcher, show_matter(state, matter_code, then))
        return state.events()


class ActionSetRegion(Action):
    """The asker says where they are; continue what was waiting for it, or re-show the guide."""

    def name(self) -> str:
        return "action_set_region"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        searcher = services.searcher()
        said = state.entities.get("region") or state.user_text
        place = searcher.resolve_region(said) if said else None
        if place is None:
            matter = state.matter_name or "这个事项"
            dispatcher.utter_message(text="抱歉，没有识别出您说的地区。")
            utter_all(dispatcher, region_question(state, matter))
            return state.events()
        remember_place(state, place)
        pending = state.pending_step
        if state.matter_code and (pending or state.guide_id):
            then = {PENDING_APPLY: PENDING_APPLY, PENDING_ASPECT: state.pending_aspect}.get(pending or "")
            utter_all(dispatcher, show_matter(state, state.matter_code, then))
        elif state.pending_query:
            utter_all(dispatcher, present_decision(state, decide(search_need(state, state.pending_query))))
        else:
            dispatcher.utter_message(text=f"好的，已记下您在{place.name}。请问您要办理什么事情？")
        return state.events()


class ActionSetApplicant(Action):
    """个人 or 企业: remembered for the application form's pre-fill."""

    def name(self) -> str:
        return "action_set_applicant"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        take_applicant(state)
        if state.applicant_type is None:
            buttons = [
                {"title": kind, "payload": payload("inform_applicant", applicant_type=kind)}
                for kind in ("个人", "企业")
            ]
            dispatcher.utter_message(text="请问是以个人还是企业（单位）名义办理？", buttons=buttons)
            return []
        if state.pending_step == PENDING_APPLY and state.matter_code:
            utter_all(dispatcher, show_matter(state, state.matter_code, PENDING_APPLY))
        else:
            dispatcher.utter_message(text=f"好的，按{state.applicant_type}办理。")
        return state.events()
