"""Putting a decision on screen and remembering what was shown.

Shared by the actions that can end with a guide on screen: a fresh search, a chosen option, a
region given in reply to the region question. Each function says its messages on the
:class:`~bot.actions.base.Turn` and updates the conversation state (current guide, pending step,
options just offered).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from bot.actions.answer_bands import Decision, Step
from bot.actions.base import HUMAN_BUTTON, Turn
from bot.actions.guide_messages import PLACE_ASPECTS, aspect_answer, default_applicant, form_handoff, guide_card
from bot.actions.state import PENDING_APPLY, PENDING_ASPECT, PENDING_CARD
from daofu.messages import Button, Text, payload
from indexer.regions import Place
from indexer.search import SearchHit
from knowledge.records import RegionLevel
from knowledge.repository import Catalog

log = logging.getLogger(__name__)

HOT_MATTERS_FILE = Path(__file__).resolve().parents[1] / "hot_matters.txt"
HOT_MATTERS_SHOWN = 3


def region_question(turn: Turn, matter_name: str, told_requirements: bool = False) -> None:
    """Ask for the district, with one button per district.

    ``told_requirements``: what to prepare was just told for every district, so the question is
    only about where to go.
    """
    districts = turn.services.searcher().districts()
    buttons = tuple(Button(d.name, payload("inform_region", region=d.name)) for d in districts)
    if turn.state.elder:
        lead = "到哪里办要看您在哪个区县，请问您在哪个区县？" if told_requirements else "请问您在哪个区县？"
    elif told_requirements:
        lead = "办理部门、地点和电话各区县不同：请问您在哪个区县（或街道、乡镇）？选好后给您当地的办事指南。"
    else:
        lead = f"「{matter_name}」由各区县分别办理，请问您在哪个区县（或街道、乡镇）？"
    turn.say(Text(lead, buttons))


def current_place(turn: Turn) -> Place | None:
    if not turn.state.region:
        return None
    return turn.services.searcher().resolve_region(turn.state.region)


def remember_place(turn: Turn, place: Place | None) -> None:
    if place is None:
        return
    state = turn.state
    state.region = place.name
    state.district = place.district_name or (place.name if place.level == RegionLevel.DISTRICT else state.district)


def show_matter(turn: Turn, matter_code: str, then: str | None = None) -> None:
    """Show the matter's guide for the asker's place, or ask for the district first.

    When the district is still unknown but every district's guide asks the same, what to prepare
    (the card, or the aspect asked about) is told at once and the district question asks only
    where to go: a person learns what to bring without first answering a question.

    ``then`` is what to do once the guide is known: None (just the card), an aspect name (answer
    it) or ``PENDING_APPLY`` (go to the form).
    """
    state, services = turn.state, turn.services
    chosen = services.searcher().guide_for_place(matter_code, current_place(turn))
    if chosen is None:
        turn.say(Text("抱歉，这个事项已不在目录中，请换个说法再问一次。"))
        return
    entry, needs_region = chosen
    guide = services.catalog.guide(entry.guide_id)
    if guide is None:
        turn.say(Text("抱歉，这份办事指南暂时无法打开，请稍后再试或转人工客服。", (HUMAN_BUTTON,)))
        return
    state.matter_code = guide.matter.code
    state.matter_name = guide.name
    state.candidates = []
    state.offer = None
    if needs_region:
        state.guide_id = None
        if then != PENDING_APPLY and then not in PLACE_ASPECTS and services.catalog.same_everywhere(guide.matter.code):
            # What to prepare is the same in every district: tell it now, and ask only where to go.
            told = aspect_answer(guide, then, state.elder, False) if then else guide_card(guide, state.elder, False)
            turn.say(*told)
            state.pending_step, state.pending_aspect = PENDING_CARD, None
            region_question(turn, guide.name, told_requirements=True)
            return
        state.pending_step = then if then == PENDING_APPLY else (PENDING_ASPECT if then else PENDING_CARD)
        state.pending_aspect = then if then not in (None, PENDING_APPLY) else None
        region_question(turn, guide.name)
        return
    state.guide_id = guide.id
    state.pending_step = None
    state.pending_aspect = None
    state.pending_query = None
    if then == PENDING_APPLY:
        from bot.actions.rating import rating_request

        turn.say(*form_handoff(guide, state.applicant_type or default_applicant(guide), state.elder))
        if guide.form_url:
            turn.say(rating_request(state.elder))
    elif then:
        turn.say(*aspect_answer(guide, then, state.elder))
    else:
        turn.say(*guide_card(guide, state.elder))


def offer_options(turn: Turn, hits: list[SearchHit]) -> None:
    """ "您是不是要办：" with one numbered button per candidate (the plausible band)."""
    state = turn.state
    state.candidates = [hit.guide_id for hit in hits]
    state.offer = None
    buttons = tuple(
        Button(f"{i}. {hit.name}", payload("choose_option", guide_id=hit.guide_id)) for i, hit in enumerate(hits, 1)
    )
    lead = (
        "您是不是要办：请点选一项。"
        if state.elder
        else "您是不是要办：（请点选一项，或回复序号；都不是的话，换个说法告诉我要办的事）"
    )
    turn.say(Text(lead, buttons))


def offer_family(turn: Turn, decision: Decision) -> None:
    """Siblings of one family: ask which case is the person's (:func:`~bot.actions.answer_bands.family_offer`).

    The cases come in a person's words; the close candidates outside the family follow them, so
    a need that is not a case of the family is still one tap away.
    """
    state, searcher = turn.state, turn.services.searcher()
    family = decision.family
    assert family is not None
    place = current_place(turn)
    options: list[tuple[str, str]] = []
    for member in decision.cases:
        chosen = searcher.guide_for_place(member.code, place)
        if chosen is not None:
            options.append((chosen[0].guide_id, member.words))
    options += [(hit.guide_id, hit.name) for hit in decision.others]
    state.candidates = [guide_id for guide_id, _ in options]
    state.offer = None
    buttons = tuple(
        Button(f"{i}. {words}", payload("choose_option", guide_id=guide_id))
        for i, (guide_id, words) in enumerate(options, 1)
    )
    lead = (
        f"「{family.base}」分几种情况，您是哪一种？"
        if state.elder
        else f"「{family.base}」按情况分几项办理，您是哪一种情况？（请点选，或回复序号）"
    )
    turn.say(Text(lead, buttons))


@cache
def hot_matters(catalog: Catalog) -> tuple[tuple[str, str], ...]:
    """(matter code, name) of the curated hot matters that exist in the catalogue."""
    names = [
        line.strip()
        for line in HOT_MATTERS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    found = []
    for name in names:
        matter = catalog.matter_by_name(name)
        if matter is None:
            log.warning("hot matter %r is not in the catalogue; skipped", name)
            continue
        found.append((matter.code, matter.name))
    return tuple(found)


def say_no_match(turn: Turn) -> None:
    """Say so plainly, suggest how to rephrase, offer hot matters and a person."""
    state, searcher = turn.state, turn.services.searcher()
    state.offer = "handoff"
    hot = []
    for code, name in hot_matters(turn.services.catalog)[:HOT_MATTERS_SHOWN]:
        chosen = searcher.guide_for_place(code, current_place(turn))
        if chosen is not None:
            hot.append((chosen[0].guide_id, name))
    state.candidates = [guide_id for guide_id, _ in hot]
    question = state.user_text or "这个问题"
    text = (
        f"抱歉，没有找到与“{question[:40]}”对应的办事指南。"
        "您可以换个说法，比如说明要办的证件或要做的事（如“补办身份证”“开饭店办许可证”），"
        "或看看下面的热门事项；也可以拨打12345政务服务热线。需要为您转人工客服吗？"
    )
    buttons = tuple(Button(name, payload("choose_option", guide_id=guide_id)) for guide_id, name in hot)
    turn.say(Text(text, (*buttons, HUMAN_BUTTON)))


def present(turn: Turn, decision: Decision, then: str | None = None) -> None:
    """Say what ``decision`` calls for; ``then`` is carried over to the guide once it is known."""
    if decision.step is Step.NO_MATCH:
        say_no_match(turn)
    elif decision.step is Step.CHOOSE:
        turn.state.pending_aspect = then if then != PENDING_APPLY else None
        offer_options(turn, decision.hits)
    elif decision.step is Step.FAMILY and decision.family is not None:
        turn.state.pending_aspect = then if then != PENDING_APPLY else None
        offer_family(turn, decision)
    else:
        show_matter(turn, decision.top.matter_code, then)
