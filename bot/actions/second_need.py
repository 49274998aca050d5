"""Two needs in one message: answer the main one, offer the other.

People put two things in one message ("身份证快到期了要去换，对了驾驶证也要年审了吧"). Search ranks the
message as a whole; the other need would be lost. Each part of the message (split at sentence
ends, commas and words such as 另外/还有/顺便) is searched on its own:

* when the whole message confidently names one matter (its guide is shown), a part that clearly
  names another one is offered as one button after the answer — offered, never shown in its place;
* when the whole message only has plausible candidates, the needs its parts name lead the options,
  with a line saying the message asks several things.

Example::

    other = second_need(searcher, "身份证到期要换，另外社保卡丢了怎么补", shown="NBC-A-033")
    # SearchHit for 社会保障卡补领, or None
"""

from __future__ import annotations

import re

from bot.actions.answer_bands import is_confident, names_the_matter
from bot.actions.base import Turn
from daofu.messages import Button, Text, payload
from indexer.clauses import NEED_CUES
from indexer.families import split_variant
from indexer.search import Searcher, SearchHit

# Where one thought ends and the next may begin.
_PARTS = re.compile(r"[，,。.！!？?；;\n]+|另外|还有|顺便|再问一下|还想问|以及")
# A part shorter than this cannot name a matter on its own ("另外", "对了").
MIN_PART_CHARS = 4
# Searching every clause of a very long message costs more than it finds.
MAX_PARTS = 6


def parts_of(text: str) -> list[str]:
    """The parts of ``text`` long enough to name a need, in order."""
    parts = [part.strip() for part in _PARTS.split(text)]
    return [part for part in parts if len(part) >= MIN_PART_CHARS][:MAX_PARTS]


def needs_in(searcher: Searcher, text: str, region: str | None = None) -> list[SearchHit]:
    """The matters the parts of ``text`` name clearly, one per need, in the order they are told.

    "Clearly" is a part that asks or says what is to be done (:data:`indexer.clauses.NEED_CUES`;
    background such as "合同到期了" does not), the confident band of
    :mod:`bot.actions.answer_bands` for the part alone, and two of the matter's own name words in
    the part; a sibling of a need already found (same family) is the same need in another case,
    not a second one. A message of
    one part names at most one need, which the search of the whole message finds: nothing is
    returned for it.
    """
    parts = parts_of(text)
    if len(parts) < 2:
        return []
    found: list[SearchHit] = []
    for part in parts:
        if not any(cue in part for cue in NEED_CUES):
            continue
        result = searcher.search(part, top_k=5, default_region=region)
        if not is_confident(result):
            continue
        hit = result.hits[0]
        if any(_same_need(searcher, hit, other) for other in found):
            continue
        if names_the_matter(hit, searcher.name_words(hit.matter_code)):
            found.append(hit)
    return found


def second_need(searcher: Searcher, text: str, shown: str, region: str | None = None) -> SearchHit | None:
    """A need ``text`` names besides the matter ``shown`` (code); None when there is none."""
    shown_name = searcher.matter_name(shown) or ""
    for hit in needs_in(searcher, text, region):
        if hit.matter_code != shown and not _same_family(searcher, hit.name, shown_name):
            return hit
    return None


def _same_need(searcher: Searcher, one: SearchHit, other: SearchHit) -> bool:
    return one.matter_code == other.matter_code or _same_family(searcher, one.name, other.name)


def _same_family(searcher: Searcher, one: str, other: str) -> bool:
    """Cases of one matter: the same family, or the same name before its （case）."""
    if _base_name(one) == _base_name(other):
        return True
    family = searcher.families.of(one)
    return family is not None and searcher.families.of(other) is family


def _base_name(name: str) -> str:
    variant = split_variant(name)
    return variant[0] if variant else name


def put_needs_first(turn: Turn, text: str, candidates: list[SearchHit]) -> list[SearchHit]:
    """The options for a message with plausible candidates: the needs its parts name first (and a
    line saying so) when there are several, else ``candidates`` as they are."""
    needs = needs_in(turn.services.searcher(), text, turn.state.region)
    if len(needs) < 2:
        return candidates
    turn.say(Text(f"您的问题里有{len(needs)}件事，请先选一件；看完后可以再点另一件。"))
    codes = {need.matter_code for need in needs}
    return (needs + [hit for hit in candidates if hit.matter_code not in codes])[: max(len(candidates), len(needs))]


def offer_second_need(turn: Turn, text: str) -> None:
    """After the main answer is on screen: one button for the other need the message names, if any."""
    state = turn.state
    if not state.matter_code:
        return
    other = second_need(turn.services.searcher(), text, state.matter_code, state.region)
    if other is None:
        return
    lead = f"您还问到了「{other.name}」，点下面查看它的办事指南："
    turn.say(Text(lead, (Button(f"看「{other.name}」", payload("choose_option", guide_id=other.guide_id)),)))
