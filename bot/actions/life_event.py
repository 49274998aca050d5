"""一件事 on screen: a life event that needs several matters, as an ordered list with one button each.

"我想开个小吃店" names no matter but a situation that needs several; showing the one guide search
ranks first would hide the licence that guide itself requires. When a message describes a life
event (:mod:`indexer.life_events`) and asks about the event as a whole — it asks which procedures
it needs ("要办哪些手续"), or says nothing beyond the event itself — the answer lists the steps in
order, each a button that opens its guide the way a chosen option does (``choose_option``).

A message that also names a particular need ("宝宝刚出生，报户口要带啥", "残疾人证丢了怎么补",
"老公出事去世了，工亡补助要准备哪些材料", "阿拉小人出生证明寻勿着了") is left to the search: the
person knows which matter they want. When a request the NLU calls out of scope is shown its event
instead of a refusal, the list ends with the matter search ranks first, if the message names it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

from bot.actions.answer_bands import names_it_by_a_long_word, names_the_matter
from bot.actions.base import Turn
from bot.actions.follow_up import names_a_need
from bot.actions.showing import current_place, remember_place
from daofu.messages import MAX_BUTTONS, Button, Text, payload
from indexer.life_events import LifeEvent, LifeEvents, LifeEventsError, check_against_catalogue, load_life_events
from indexer.search import SearchHit
from knowledge.repository import Catalog

log = logging.getLogger(__name__)

# Words that ask for everything a situation needs, not about one matter.
ASKS_FOR_ALL = (
    "哪些手续", "什么手续", "啥手续", "要办什么", "办什么", "办哪些", "要办啥", "办些啥", "办些什么",
    "哪些证", "什么证", "啥证", "哪些事", "什么事情要办", "要跑哪些", "哪些部门", "要弄什么", "要弄啥",
    "需要办", "有哪些要办", "手续有哪些", "要做哪些", "都要办",
)  # fmt: skip
# Who and when: words that tell about the person's situation, never which matter they want.
WHO_AND_WHEN = (
    "在家里", "家里", "家中", "老人家", "老人", "女儿", "儿子", "孩子", "小孩", "宝宝", "爸爸", "妈妈", "我爸", "我妈",
    "老爸", "老妈", "父亲", "母亲", "爷爷", "奶奶", "外公", "外婆", "老婆", "老公", "丈夫", "妻子", "家人", "亲人",
    "下个月", "下月", "明年", "今年", "最近", "马上", "快要", "刚刚", "回来",
)  # fmt: skip


@cache
def life_events(catalog: Catalog) -> LifeEvents | None:
    """The life events, checked against ``catalog`` once; None (and an error in the log) when the
    file names a matter the catalogue lacks, so the search still answers."""
    try:
        events = load_life_events()
        check_against_catalogue(events, lambda name: catalog.matter_by_name(name) is not None)
    except LifeEventsError as exc:
        log.error("life events are off: %s", exc)
        return None
    return events


def asks_about_the_event(turn: Turn, event: LifeEvent, rest: str, best: Callable[[], SearchHit | None]) -> bool:
    """Whether the message asks about the whole event (``rest`` is the message without the words
    that named it): it says nothing beyond the event and who and when (and names no matter outside
    the event, :func:`closest_other_matter`); or it asks for everything
    the event needs ("要办哪些手续") and the search's best match is one of the event's own matters
    (or the search finds nothing), so the other words were about the event too ("学校旁边开一家
    小面馆，需要办什么手续"), not a particular need of their own ("老人去世了，销户证明怎么开").
    ``best`` gives the search's first hit for the whole message (None when nothing matches).
    """
    state, searcher = turn.state, turn.services.searcher()
    for word in WHO_AND_WHEN:
        rest = rest.replace(word, " ")
    if not names_a_need(searcher, rest):
        # The trigger may have taken part of a name ("囡囡…出生" out of "囡囡的出生证明撕破了"):
        # a message that names a matter outside the event is still about that matter.
        return closest_other_matter(turn, best(), event) is None
    if not any(cue in state.user_text for cue in ASKS_FOR_ALL):
        return False
    first = best()
    return first is None or first.name in event.matter_names()


def offer_life_event(turn: Turn, text: str, about_the_event: Callable[[str, LifeEvent], bool] | None = None) -> bool:
    """Show the life event ``text`` describes as an ordered list of matters; False when it describes
    none, or is not about the event as a whole, and nothing was said.

    ``about_the_event`` decides the latter instead of :func:`asks_about_the_event` (which leaves a
    message that also names a particular need to the search): a request about to be refused as out
    of scope is better shown the event it names than nothing."""
    events = life_events(turn.services.catalog)
    found = events.match(text) if events is not None else None
    if found is None:
        return False
    best = cache(lambda: first_hit(turn, text))  # searched once, and only when needed
    if about_the_event is not None:
        if not about_the_event(text, found.event):
            return False
        also = closest_other_matter(turn, best(), found.event)
    elif asks_about_the_event(turn, found.event, found.rest(), best):
        also = None  # it lets a message through only when the message names no matter outside the event
    else:
        return False
    remember_place(turn, turn.services.searcher().resolver.detect(text))
    show_life_event(turn, found.event, also=also)
    log.info("life event %s offered (trigger %s)", found.event.id, found.trigger)
    return True


def first_hit(turn: Turn, text: str) -> SearchHit | None:
    """The search's first hit for ``text`` at the asker's place; None when nothing matches."""
    result = turn.services.searcher().search(text, top_k=1, default_region=turn.state.region)
    return None if result.no_match or not result.hits else result.hits[0]


def closest_other_matter(turn: Turn, best: SearchHit | None, event: LifeEvent) -> SearchHit | None:
    """``best`` (the search's first hit for the message) when it is not one of the event's and the
    message names it by two of its own words, or one long word few matters use: "出生证明撕破了"
    tells of a birth, but means the one certificate. A first hit the message does not name is no
    better a guess than the event, and is not offered."""
    if best is None or best.name in event.matter_names():
        return None
    searcher = turn.services.searcher()
    words = searcher.name_words(best.matter_code)
    named = names_the_matter(best, words) or names_it_by_a_long_word(best, words, searcher.matters_named_with)
    return best if named else None


def show_life_event(turn: Turn, event: LifeEvent, also: SearchHit | None = None) -> None:
    """The steps as text, and one button per matter in order; the buttons are the options on offer.

    ``also``: a matter outside the event that the message may mean instead, offered last ("也可能是")
    so that a particular need told with its situation is one tap away.
    """
    state, searcher, catalog = turn.state, turn.services.searcher(), turn.services.catalog
    place = current_place(turn)
    guides: dict[str, str] = {}
    for name in event.matter_names():
        matter = catalog.matter_by_name(name)
        chosen = searcher.guide_for_place(matter.code, place) if matter is not None else None
        if chosen is not None:
            guides[name] = chosen[0].guide_id
    lines = []
    offered: list[tuple[str, str]] = []  # (button title, guide id), in order
    if event.one_stop and event.one_stop in guides:
        offered.append((f"一次办：{event.one_stop}", guides[event.one_stop]))
    for number, step in enumerate(event.steps, start=1):
        names = [name for name in step.matters if name in guides]
        if not names:
            continue
        what = " 或 ".join(f"「{name}」" for name in names)
        lines.append(f"{number}. {what}" + (f"：{step.note}" if step.note and not state.elder else ""))
        offered += [(f"第{number}步 {name}", guides[name]) for name in names]
    lead = f"「{event.name}」一般要按顺序办这几件事：" if not state.elder else f"{event.name}，要办这几件事："
    tail = "点下面的事项查看办事指南。"
    if event.one_stop and event.one_stop in guides:
        tail = f"也可以通过「{event.one_stop}」一次申请、多项联办。" + tail
    if also is not None and len(offered) < MAX_BUTTONS:
        offered.append((f"也可能是：{also.name}", also.guide_id))
    state.candidates = [guide_id for _, guide_id in offered]
    state.offer = None
    buttons = tuple(Button(title, payload("choose_option", guide_id=guide_id)) for title, guide_id in offered)
    turn.say(Text("\n".join([lead, *lines, tail]), buttons))
