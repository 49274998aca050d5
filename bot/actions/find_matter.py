"""Finding the matter: search a need, pick among options, give the place or the applicant.

These actions move the conversation from a vague need to one guide on screen, using the
decision of :mod:`bot.actions.answer_bands` and the rendering of :mod:`bot.actions.showing`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.actions.answer_bands import DECISION_DEPTH, MAX_OPTIONS, Step, best_name_match, decide
from bot.actions.base import DaofuAction, Turn
from bot.actions.follow_up import Route, aspect_in, follow_up, names_a_need
from bot.actions.gaps import remember_gap
from bot.actions.life_event import offer_life_event
from bot.actions.second_need import offer_second_need, put_needs_first
from bot.actions.showing import present, region_question, remember_place, show_matter
from bot.actions.state import PENDING_APPLY, PENDING_ASPECT
from daofu.choices import choice_in
from daofu.messages import Button, Text, payload
from indexer.search import Searcher, SearchResult

log = logging.getLogger(__name__)

APPLICANT_WORDS = {
    "个人": "个人", "自己": "个人", "本人": "个人", "个体": "个人",
    "企业": "企业", "公司": "企业", "单位": "企业", "法人": "企业",
}  # fmt: skip


def search_need(turn: Turn, text: str) -> SearchResult:
    """Search ``text`` for the asker's place (named now, or earlier in the conversation)."""
    result = turn.services.searcher().search(text, top_k=DECISION_DEPTH, default_region=turn.state.region)
    if result.place is not None and result.place_source == "text":
        remember_place(turn, result.place)
    return result


def option_words(searcher: Searcher, guide_id: str) -> str:
    """What an option on screen is called: the matter's name, and a sibling's case in plain words."""
    name = searcher.matter_name(searcher.matter_of_guide(guide_id) or "") or ""
    family = searcher.families.of(name)
    member = family.member(name) if family else None
    return f"{name} {member.words}" if member else name


def take_applicant(turn: Turn) -> None:
    """Remember 个人 or 企业 when the message says which (an entity, or words such as 公司)."""
    state = turn.state
    value = state.entities.get("applicant_type")
    if value in ("个人", "企业"):
        state.applicant_type = value
        return
    for word, kind in APPLICANT_WORDS.items():
        if word in state.user_text:
            state.applicant_type = kind
            return


def find_service(turn: Turn) -> None:
    """A need in the asker's words → a guide card, options, the region question, or no match."""
    state = turn.state
    text = state.user_text
    if not text.strip():
        turn.say(Text("请告诉我您想办理什么事情，比如“补办身份证”。"))
        turn.keep_state = False
        return
    take_applicant(turn)
    searcher = turn.services.searcher()
    if state.guide_id and state.matter_code:
        # First read as a question about the guide on screen, whatever the NLU made of it.
        if follow_up(turn, text) is Route.ANSWERED:
            return
    elif state.matter_code and not names_a_need(searcher, text):
        aspect = aspect_in(text)
        if aspect is not None:
            show_matter(turn, state.matter_code, aspect)
            return
    state.clear_pending()
    if offer_life_event(turn, text):
        return
    result = search_need(turn, text)
    state.pending_query = text
    decision = decide(result, searcher.families)
    if decision.step is Step.CHOOSE:
        decision = replace(decision, hits=put_needs_first(turn, text, decision.hits))
    present(turn, decision)
    if decision.step in (Step.CARD, Step.ASK_REGION):
        offer_second_need(turn, text)
    remember_gap(turn, text, decision)
    log.info("search: %s, %d hits, no_match=%s", decision.step.value, len(result.hits), result.no_match)


class ActionFindService(DaofuAction):
    action_name = "action_find_service"

    def decide(self, turn: Turn) -> None:
        find_service(turn)


class ActionChooseOption(DaofuAction):
    """The asker picks one of the options just shown: a button, a number, or its words."""

    action_name = "action_choose_option"

    def decide(self, turn: Turn) -> None:
        state, searcher = turn.state, turn.services.searcher()
        guide_id = state.entities.get("guide_id")
        if guide_id is None and state.candidates:
            index = choice_in(state.user_text, len(state.candidates))
            if index is None:
                names = [option_words(searcher, c) for c in state.candidates]
                index = best_name_match(state.user_text, names)
            if index is not None:
                guide_id = state.candidates[index]
        matter_code = searcher.matter_of_guide(guide_id) if guide_id else None
        if matter_code is None:
            if state.candidates:
                turn.say(Text("没有听明白您选的是哪一项，请点选上面的选项或回复序号（如“1”）。"))
                turn.keep_state = False
                return
            if choice_in(state.user_text, MAX_OPTIONS) is not None or len(state.user_text) <= 4:
                # "第二个" with nothing on offer: searching those words would find nonsense.
                turn.say(Text("现在没有可选的选项。请告诉我您想办理什么事情，比如“补办身份证”。"))
                turn.keep_state = False
                return
            # Words that name something else: treat them as a new need.
            find_service(turn)
            return
        # The question that was waiting for a choice belongs to these options only, not to older ones.
        then = state.pending_aspect if guide_id in state.candidates else None
        show_matter(turn, matter_code, then)


class ActionSetRegion(DaofuAction):
    """The asker says where they are; continue what was waiting for it, or re-show the guide."""

    action_name = "action_set_region"

    def decide(self, turn: Turn) -> None:
        state, searcher = turn.state, turn.services.searcher()
        said = state.entities.get("region") or state.user_text
        place = searcher.resolve_region(said) if said else None
        if place is None:
            turn.say(Text("抱歉，没有识别出您说的地区。"))
            region_question(turn, state.matter_name or "这个事项")
            return
        remember_place(turn, place)
        pending = state.pending_step
        if state.matter_code and (pending or state.guide_id):
            then = {PENDING_APPLY: PENDING_APPLY, PENDING_ASPECT: state.pending_aspect}.get(pending or "")
            show_matter(turn, state.matter_code, then)
        elif state.pending_query:
            present(turn, decide(search_need(turn, state.pending_query), searcher.families))
        else:
            turn.say(Text(f"好的，已记下您在{place.name}。请问您要办理什么事情？"))


class ActionSetApplicant(DaofuAction):
    """个人 or 企业: remembered for the application form's pre-fill."""

    action_name = "action_set_applicant"

    def decide(self, turn: Turn) -> None:
        state = turn.state
        take_applicant(turn)
        if state.applicant_type is None:
            buttons = tuple(Button(kind, payload("inform_applicant", applicant_type=kind)) for kind in ("个人", "企业"))
            turn.say(Text("请问是以个人还是企业（单位）名义办理？", buttons))
            turn.keep_state = False
            return
        if state.pending_step == PENDING_APPLY and state.matter_code:
            show_matter(turn, state.matter_code, PENDING_APPLY)
        else:
            turn.say(Text(f"好的，按{state.applicant_type}办理。"))
