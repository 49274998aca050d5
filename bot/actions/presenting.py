"""Turning a decision into messages and remembering what was shown.

Shared by the actions that can end with a guide on screen: a fresh search, a chosen option, a
region given in reply to the region question. Each function updates the
:class:`~bot.actions.state.ConversationState` (current guide, pending step, options) and returns
the messages to send.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from bot.actions import services
from bot.actions.cards import aspect_answer, form_handoff, guide_card, payload
from bot.actions.navigation import Decision, Step
from bot.actions.state import PENDING_APPLY, PENDING_ASPECT, PENDING_CARD, ConversationState
from indexer.regions import Place
from indexer.search import SearchHit

log = logging.getLogger(__name__)

Message = dict
HUMAN_BUTTON = {"title": "转人工客服", "payload": payload("human_handoff")}


def region_question(state: ConversationState, matter_name: str) -> list[Message]:
    districts = services.searcher().districts()
    buttons = [{"title": d.name, "payload": payload("inform_region", region=d.name)} for d in districts]
    lead = (
        "请问您在哪个区县？"
        if state.elder
        else f"「{matter_name}」由各区县分别办理，请问您在哪个区县（或街道、乡镇）？"
    )
    return [{"text": lead, "buttons": buttons}]


def current_place(state: ConversationState) -> Place | None:
    if not state.region:
        return None
    return services.searcher().resolve_region(state.region)


def remember_place(state: ConversationState, place: Place | None) -> None:
    if place is None:
        return
    state.region = place.name
    state.district = place.district_name or (place.name if place.level == "区县" else state.district)


def show_matter(state: ConversationState, matter_code: str, then: str | None = None) -> list[Message]:
    """Show the matter's guide for the asker's place, or ask for the district first.

    ``then`` is what to do once the guide is known: None (just the card), an aspect name (answer
    it) or ``PENDING_APPLY`` (go to the form).
    """
    searcher = services.searcher()
    chosen = searcher.guide_for_place(matter_code, current_place(state))
    if chosen is None:
        return [{"text": "抱歉，这个事项已不在目录中，请换个说法再问一次。"}]
    entry, needs_region = chosen
    guide = services.catalog().guide(entry.guide_id)
    if guide is None:
        return [{"text": "抱歉，这份办事指南暂时无法打开，请稍后再试或转人工客服。", "buttons": [HUMAN_BUTTON]}]
    state.matter_code = guide.matter.code
    state.matter_name = guide.name
    state.candidates = []
    state.offer = None
    if needs_region:
        state.guide_id = None
        state.pending_step = then if then == PENDING_APPLY else (PENDING_ASPECT if then else PENDING_CARD)
        state.pending_aspect = then if then not in (None, PENDING_APPLY) else None
        return region_question(state, guide.name)
    state.guide_id = guide.id
    state.pending_step = None
    state.pending_aspect = None
    state.pending_query = None
    if then == PENDING_APPLY:
        from bot.actions.rating import rating_request

        handoff = form_handoff(guide, state.applicant_type or default_applicant(guide), state.elder)
        return handoff + rating_request(state.elder) if guide.form_url else handoff
    if then:
        return aspect_answer(guide, then, state.elder)
    return guide_card(guide, state.elder)


def default_applicant(guide) -> str | None:
    objects = set(guide.matter.service_object)
    if objects == {"自然人"}:
        return "个人"
    if objects == {"法人"}:
        return "企业"
    return None


def options(state: ConversationState, hits: list[SearchHit]) -> list[Message]:
    state.candidates = [hit.guide_id for hit in hits]
    state.offer = None
    buttons = [
        {"title": f"{i}. {hit.name}", "payload": payload("choose_option", guide_id=hit.guide_id)}
        for i, hit in enumerate(hits, start=1)
    ]
    lead = "您要办的是哪一项？请点选：" if state.elder else "找到几项相近的事项，您要办理的是哪一项？（也可以回复序号）"
    return [{"text": lead, "buttons": buttons}]


HOT_MATTERS_FILE = Path(__file__).resolve().parents[1] / "hot_matters.txt"
HOT_MATTERS_SHOWN = 3


@cache
def hot_matters() -> tuple[tuple[str, str], ...]:
    """(matter code, name) of the curated hot matters that exist in the catalogue."""
    names = [
        line.strip() for line in HOT_MATTERS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    found = []
    for name in names:
        matter = services.catalog().matter_by_name(name)
        if matter is None:
            log.warning("hot matter %r is not in the catalogue; skipped", name)
            continue
        found.append((matter.code, matter.name))
    return tuple(found)


def no_match(state: ConversationState) -> list[Message]:
    """Say so plainly, suggest how to rephrase, offer hot matters and a person."""
    state.offer = "handoff"
    searcher = services.searcher()
    hot = []
    for code, name in hot_matters()[:HOT_MATTERS_SHOWN]:
        chosen = searcher.guide_for_place(code, current_place(state))
        if chosen is not None:
            hot.append((chosen[0].guide_id, name))
    state.candidates = [guide_id for guide_id, _ in hot]
    question = state.user_text or "这个问题"
    text = (
        f"抱歉，没有找到与“{question[:40]}”对应的办事指南。"
        "您可以换个说法，比如说明要办的证件或要做的事（如“补办身份证”“开饭店办许可证”），"
        "或看看下面的热门事项。需要为您转人工客服吗？"
    )
    buttons = [{"title": name, "payload": payload("choose_option", guide_id=guide_id)} for guide_id, name in hot]
    return [{"text": text, "buttons": [*buttons, HUMAN_BUTTON]}]


def present(state: ConversationState, decision: Decision, then: str | None = None) -> list[Message]:
    if decision.step is Step.NO_MATCH:
        return no_match(state)
    if decision.step is Step.CHOOSE:
        state.pending_aspect = then if then != PENDING_APPLY else None
        return options(state, decision.hits)
    return show_matter(state, decision.top.matter_code, then)
