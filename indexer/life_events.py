"""一件事: life events that need several matters, and finding the event a message describes.

"我想开个小吃店" is not one matter but several, in order: a business licence, then the small-eatery
registration or the food licence, then what the shop needs besides. The events are data
(``knowledge/data/life_events.yml``): a name, a description, trigger phrases and ordered steps, each
step a canonical matter name of the catalogue (or two alternatives, ``either``), and optionally the
catalogue's own 一件事 matter that handles several steps in one application.

Matching is deliberately plain, so it says why it matched: a trigger such as ``开…小吃店`` matches
when its parts occur in order with at most :data:`MAX_GAP` characters between them. When several
events match, the longer trigger wins, then the event whose description shares more character
pairs with the message.

:func:`check_against_catalogue` is run by ``daofu setup`` and when the service first loads the
events: a step that names no matter of the catalogue stops with the event and the name.

Example::

    events = load_life_events()
    found = events.match("想在小区门口开个小吃店，要办哪些证")
    print(found.event.name, [step.matters for step in found.event.steps])
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from daofu.config import Settings
from daofu.errors import DaofuError

log = logging.getLogger(__name__)

LIFE_EVENTS_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "life_events.yml"
MAX_GAP = 4  # characters allowed between two parts of a trigger (开…小吃店: 开一家小吃店)
MAX_BUTTONS = 10  # matters one event may offer (the wire format carries at most 12 buttons)
GAP_MARK = "…"
EVENT_ID = re.compile(r"[a-z0-9-]{2,40}")
ONE_STOP_MARK = "一件事"


class LifeEventsError(DaofuError):
    """The life-event file is malformed or names a matter the catalogue does not have."""


@dataclass(frozen=True)
class Step:
    """One step: a matter, or alternatives of which the person needs one (``note`` says which)."""

    matters: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class LifeEvent:
    id: str
    name: str
    description: str
    triggers: tuple[str, ...]
    steps: tuple[Step, ...]
    one_stop: str | None = None
    unless: tuple[str, ...] = ()  # words that show a trigger meant something else (开车去饭店)

    def matter_names(self) -> list[str]:
        """Every matter the event offers, the one-stop matter first, then the steps in order."""
        names = [self.one_stop] if self.one_stop else []
        return names + [name for step in self.steps for name in step.matters]


@dataclass(frozen=True)
class EventMatch:
    event: LifeEvent
    trigger: str
    start: int  # the span the trigger matched, in the message with its spaces removed
    end: int
    text: str  # the message with its spaces removed

    def rest(self) -> str:
        """The message without the words that named the event (to see whether it asks more)."""
        return self.text[: self.start] + " " + self.text[self.end :]


@dataclass(frozen=True)
class LifeEvents:
    events: tuple[LifeEvent, ...]

    def match(self, message: str) -> EventMatch | None:
        """The event ``message`` describes, or None."""
        text = _compact(message)
        found: list[tuple[int, float, EventMatch]] = []
        for event in self.events:
            if any(_compact(word) in text for word in event.unless):
                continue
            best = None
            for trigger in event.triggers:
                span = _find(trigger, text)
                if span is not None and (best is None or _weight(trigger) > _weight(best.trigger)):
                    best = EventMatch(event, trigger, span[0], span[1], text)
            if best is not None:
                found.append((_weight(best.trigger), _overlap(text, event.description + event.name), best))
        if not found:
            return None
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return found[0][2]

    def by_id(self, event_id: str) -> LifeEvent | None:
        return next((event for event in self.events if event.id == event_id), None)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _pattern(trigger: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in trigger.split(GAP_MARK)]
    return re.compile(f".{{0,{MAX_GAP}}}?".join(parts))


def _find(trigger: str, text: str) -> tuple[int, int] | None:
    found = _pattern(trigger).search(text)
    return (found.start(), found.end()) if found else None


def _weight(trigger: str) -> int:
    return len(trigger.replace(GAP_MARK, ""))


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _overlap(text: str, description: str) -> float:
    pairs = _pairs(text)
    return len(pairs & _pairs(description)) / max(len(pairs), 1)


def load_life_events(path: Path = LIFE_EVENTS_FILE) -> LifeEvents:
    """Read and check the shape of ``path`` (see the file's header for the fields)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LifeEventsError(f"{path} does not exist; restore it from version control") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LifeEventsError(f"{path} is not valid YAML: {exc}") from None
    items = raw.get("events") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise LifeEventsError(f"{path}: expected a list under 'events'")
    events = [_event(path, number, item) for number, item in enumerate(items, start=1)]
    seen: set[str] = set()
    for event in events:
        if event.id in seen:
            raise LifeEventsError(f"{path}: event id {event.id!r} is used twice")
        seen.add(event.id)
    return LifeEvents(tuple(events))


def _event(path: Path, number: int, item: Any) -> LifeEvent:
    where = f"{path}: event {number}"
    if not isinstance(item, dict):
        raise LifeEventsError(f"{where} is not a mapping")
    event_id = item.get("id")
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        raise LifeEventsError(f"{where}: 'id' must be 2–40 lower-case letters, digits or '-'")
    where = f"{path}: event {event_id!r}"
    name, description = item.get("name"), item.get("description")
    if not isinstance(name, str) or not name.strip() or not isinstance(description, str) or not description.strip():
        raise LifeEventsError(f"{where}: 'name' and 'description' must be non-empty text")
    triggers = item.get("triggers")
    if not isinstance(triggers, list) or not triggers or not all(_good_trigger(t) for t in triggers):
        raise LifeEventsError(f"{where}: 'triggers' must be a list of phrases (parts separated by '{GAP_MARK}')")
    steps = [_step(where, number, raw) for number, raw in enumerate(item.get("steps") or [], start=1)]
    if len(steps) < 2:
        raise LifeEventsError(f"{where}: an event needs at least two steps")
    one_stop = item.get("one_stop")
    if one_stop is not None and (not isinstance(one_stop, str) or not one_stop.strip()):
        raise LifeEventsError(f"{where}: 'one_stop' must be a matter name")
    unless = item.get("unless") or []
    if not isinstance(unless, list) or not all(isinstance(word, str) and word.strip() for word in unless):
        raise LifeEventsError(f"{where}: 'unless' must be a list of words")
    event = LifeEvent(
        event_id, name.strip(), description.strip(), tuple(triggers), tuple(steps), one_stop, tuple(unless)
    )
    if len(event.matter_names()) > MAX_BUTTONS:
        raise LifeEventsError(f"{where}: at most {MAX_BUTTONS} matters per event, it has {len(event.matter_names())}")
    return event


def _good_trigger(trigger: Any) -> bool:
    return isinstance(trigger, str) and all(part.strip() for part in trigger.split(GAP_MARK))


def _step(where: str, number: int, raw: Any) -> Step:
    if not isinstance(raw, dict) or ("matter" in raw) == ("either" in raw):
        raise LifeEventsError(f"{where}, step {number}: write either 'matter: NAME' or 'either: [NAME, NAME]'")
    names = [raw["matter"]] if "matter" in raw else raw["either"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise LifeEventsError(f"{where}, step {number}: matter names must be non-empty text")
    if "either" in raw and len(names) < 2:
        raise LifeEventsError(f"{where}, step {number}: 'either' needs at least two matters")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise LifeEventsError(f"{where}, step {number}: 'note' must be text")
    return Step(tuple(name.strip() for name in names), note)


def check_against_catalogue(
    events: LifeEvents, matter_exists: Callable[[str], bool], catalogue_names: Iterable[str] = ()
) -> list[str]:
    """Stop on a step naming no matter of the catalogue; return the catalogue's 一件事 matters that
    no event offers (worth adding to the file, not an error)."""
    offered: set[str] = set()
    for event in events.events:
        for name in event.matter_names():
            if not matter_exists(name):
                raise LifeEventsError(
                    f"{LIFE_EVENTS_FILE.name}: event {event.id!r} ({event.name}) names {name!r}, which is not a "
                    "matter of the catalogue; write its canonical name (daofu guide show --name …) or remove the step"
                )
            offered.add(name)
    return sorted(name for name in catalogue_names if ONE_STOP_MARK in name and name not in offered)


def check_life_events(settings: Settings) -> LifeEvents:
    """The setup step: the file parses and every step is a matter of the catalogue in ``settings``."""
    from knowledge.db import create_engine_for
    from knowledge.repository import Catalog

    events = load_life_events()
    engine = create_engine_for(settings.database_url)
    try:
        catalog = Catalog(engine, settings)
        names = {matter.name for matter in catalog.iter_matters()}
        missing = check_against_catalogue(events, names.__contains__, names)
    finally:
        engine.dispose()
    for name in missing:
        log.warning("the catalogue's %s is offered by no life event in %s", name, LIFE_EVENTS_FILE.name)
    log.info("life events: %d events checked against the catalogue", len(events.events))
    return events
