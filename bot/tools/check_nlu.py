"""Checks of ``bot/data/nlu.yml`` that Rasa itself does not make, run before any training.

* **Alignment.** The gazetteer matches whole tokens, so an annotated entity must start and end on a jieba token
  boundary (with the project's domain dictionary loaded, as the JiebaTokenizer does). Rasa only
  logs a warning for a misaligned annotation and then learns a truncated or shifted entity.
* **Near-duplicates.** The held-out evaluation splits the examples at random; a sentence written
  twice with one character changed would land on both sides and make the test set easy.
* **Places.** Every name of the region lookup table that occurs in a sentence is annotated as a
  region, as the gazetteer tags every known place; an unannotated one would count as its error.
* **Values.** applicant_type is 个人 or 企业 and rating is 1…5 after the synonyms, as the actions
  expect.

Usage::

    .venv/bin/python -m bot.tools.check_nlu          # prints every problem, exit 1 if any
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.tools.make_region_lookup import region_names

if TYPE_CHECKING:
    import jieba

ROOT = Path(__file__).resolve().parents[2]
NLU_FILE = ROOT / "bot" / "data" / "nlu.yml"
DICTIONARY_DIR = ROOT / "var" / "index" / "jieba"

# Rasa's own annotation syntax: [text](entity), [text](entity:value) or [text]{"entity": …}.
ENTITY_PATTERN = re.compile(
    r"\[(?P<text>[^\]]+?)\](?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|\{(?P<json>[^}]+?)\})"
)
ALLOWED_VALUES = {"applicant_type": {"个人", "企业"}, "rating": {"1", "2", "3", "4", "5"}}
# Sentences shorter than this may legitimately differ by one character (第一个 / 第二个, 选1 / 选4).
NEAR_DUPLICATE_MIN_LENGTH = 6


@dataclass(frozen=True)
class Entity:
    """An annotated entity: its type, its normalised value and where it is in the plain text."""

    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    """One training sentence: its intent, plain text (annotations removed) and entities."""

    intent: str
    raw: str
    text: str
    entities: tuple[Entity, ...]


def parse_example(intent: str, raw: str) -> Example:
    """The plain text and entities of one annotated example line."""
    text_parts: list[str] = []
    entities: list[Entity] = []
    position = 0
    length = 0
    for match in ENTITY_PATTERN.finditer(raw):
        before = raw[position : match.start()]
        text_parts.append(before)
        length += len(before)
        surface = match.group("text")
        if match.group("json"):
            attributes = json.loads("{" + match.group("json") + "}")
            entity, value = attributes["entity"], str(attributes.get("value", surface))
        else:
            entity, value = match.group("entity"), match.group("value") or surface
        entities.append(Entity(entity, value, length, length + len(surface)))
        text_parts.append(surface)
        length += len(surface)
        position = match.end()
    text_parts.append(raw[position:])
    return Example(intent, raw, "".join(text_parts), tuple(entities))


def load_examples(path: Path = NLU_FILE) -> list[Example]:
    """Every intent example of an NLU file, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in (block.get("examples") or "").splitlines():
            stripped = line.strip()
            if stripped.startswith("- "):
                examples.append(parse_example(block["intent"], stripped[2:].strip()))
    return examples


def jieba_tokenizer(dictionary_dir: Path = DICTIONARY_DIR) -> jieba.Tokenizer:
    """A jieba instance with the domain dictionary, loaded the way Rasa's JiebaTokenizer loads it."""
    import jieba

    tokenizer = jieba.Tokenizer()
    jieba.setLogLevel(60)
    for path in sorted(dictionary_dir.glob("*")):
        tokenizer.load_userdict(str(path))
    return tokenizer


def misaligned(examples: Iterable[Example], tokenizer: jieba.Tokenizer) -> Iterator[str]:
    """Entities whose start or end falls inside a jieba token."""
    for example in examples:
        if not example.entities:
            continue
        tokens = list(tokenizer.tokenize(example.text))
        starts = {start for _, start, _ in tokens}
        ends = {end for _, _, end in tokens}
        for entity in example.entities:
            if entity.start not in starts or entity.end not in ends:
                shown = " | ".join(word for word, _, _ in tokens)
                yield (
                    f"{example.intent}: {example.raw!r}: {entity.entity} "
                    f"{example.text[entity.start : entity.end]!r} does not match the tokens {shown}"
                )


def normalise(text: str) -> str:
    """Lower case, NFKC, without spaces and punctuation: what a reader would call the same sentence."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def near_duplicates(examples: list[Example]) -> Iterator[str]:
    """Pairs of examples that are the same sentence, or the same but for one character."""
    items = [(normalise(example.text), index, example) for index, example in enumerate(examples)]
    by_length: dict[int, list[tuple[str, int, Example]]] = {}
    for item in items:
        by_length.setdefault(len(item[0]), []).append(item)
    for text, index, example in items:
        # Each pair once: same length only with later examples, one longer from the shorter side.
        same = [item for item in by_length.get(len(text), []) if item[1] > index]
        for other_text, _, other in same + by_length.get(len(text) + 1, []):
            if other_text == text:
                yield f"duplicate: {example.intent}: {example.raw!r} and {other.intent}: {other.raw!r}"
            elif min(len(text), len(other_text)) >= NEAR_DUPLICATE_MIN_LENGTH and _one_edit_apart(text, other_text):
                yield f"one character apart: {example.intent}: {example.raw!r} and {other.intent}: {other.raw!r}"


def unannotated_places(examples: Iterable[Example], names: Iterable[str]) -> Iterator[str]:
    """Place names (longest match first) that are not inside a region annotation."""
    ordered = sorted(set(names), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in ordered))
    for example in examples:
        covered = {i for e in example.entities if e.entity == "region" for i in range(e.start, e.end)}
        for match in pattern.finditer(example.text):
            if not set(range(match.start(), match.end())) <= covered:
                yield f"{example.intent}: {example.raw!r}: the place {match.group()!r} is not annotated as region"


def bad_values(examples: Iterable[Example]) -> Iterator[str]:
    """Entities whose value (after synonyms) is not one the actions understand."""
    for example in examples:
        for entity in example.entities:
            allowed = ALLOWED_VALUES.get(entity.entity)
            if allowed is not None and entity.value not in allowed:
                yield (
                    f"{example.intent}: {example.raw!r}: {entity.entity} value {entity.value!r} "
                    f"not in {sorted(allowed)}"
                )


def main() -> int:
    examples = load_examples()
    problems = list(near_duplicates(examples)) + list(bad_values(examples))
    problems += list(unannotated_places(examples, region_names()))
    if DICTIONARY_DIR.is_dir():
        problems += list(misaligned(examples, jieba_tokenizer()))
    else:
        print(f"note: {DICTIONARY_DIR} is missing (run `daofu setup`); alignment not checked", file=sys.stderr)
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.intent] = counts.get(example.intent, 0) + 1
    for intent, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"{intent:<20} {count:>4}")
    print(f"{'total':<20} {len(examples):>4}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
