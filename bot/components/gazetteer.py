"""A Rasa entity extractor that looks places, applicant types and ratings up instead of guessing them.

The three entities of this assistant are closed lists: a Ningbo place (the ``region`` lookup table,
``bot/data/regions_lookup.yml``, plus the typos annotated in ``bot/data/nlu.yml``), who applies
(个人 or 企业, a dozen words) and a 好差评 level (satisfaction words, "4分", "三颗星"). A
TensorFlow tagger (DIET) spent a tenth of every turn and hundreds of megabytes of the Rasa
process to learn these lists back from the examples; looking them up is exact, instant and needs
no TensorFlow at all. On the held-out split it scores at least as well (docs/nlu.md).

How it reads a message:

* **Phrases** come from training: every lookup-table entry (its value is itself) and every
  annotated entity of the examples (``[银州]{"entity": "region", "value": "鄞州"}`` teaches that
  银州 means 鄞州). A phrase annotated with different entities or values keeps its most common one.
* **Token-aligned, longest first.** A phrase matches only whole jieba tokens (the annotation
  convention, checked by ``bot/tools/check_nlu.py``), spaces inside are ignored, and at each token
  the longest phrase of up to ``max_tokens`` tokens wins, so 鄞州区 is one place, not 鄞州 + 区.
* **Ratings beyond the examples**: a number of points or stars (``4分``, ``三颗星``) and a
  satisfaction word with a degree (``十分不满意``) are read by the small grammar in
  :func:`rating_level`, since people invent new degrees faster than examples list them.
* **Entities that mean something only as an answer**: 公司 in "开公司要什么材料" names the matter,
  not who applies. ``only_for_intents`` (config.yml) keeps ``applicant_type`` to the answer to
  "个人还是企业?" and ``rating`` to a rating, as the examples are annotated. This component must
  therefore come after the intent classifier in the pipeline.

Used in ``config.yml`` after the intent classifier::

    - name: bot.components.gazetteer.GazetteerEntityExtractor
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

PHRASES_FILE = "phrases.json"
RATING = "rating"

_NUMERALS = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_POINTS = re.compile(r"([1-5一二两三四五])(?:颗星|个星|星|分)")
_STRONG = "(?:非常|十分|特别|超级|极其|极为|相当|很|太|真|超)"
_MILD = "(?:挺|比较|还算|还挺|蛮|还)"
_NOT_QUITE = "(?:不太|不怎么|不大|不是很|不是太)"
_RATING_GRAMMAR = (
    (re.compile(f"{_STRONG}不满意"), 1),
    (re.compile(f"{_STRONG}?(?:差劲|糟糕|差|烂)了?"), 1),
    (re.compile(f"{_NOT_QUITE}满意"), 2),
    (re.compile(f"{_MILD}满意"), 4),
    (re.compile(f"{_STRONG}满意"), 5),
)

_DEGREE = re.compile(_STRONG)


def rating_level(phrase: str) -> int | None:
    """The 好差评 level (1–5) ``phrase`` states by itself (points, stars, a degree of 满意), or None."""
    points = _POINTS.fullmatch(phrase)
    if points is not None:
        return _NUMERALS[points.group(1)]
    for pattern, level in _RATING_GRAMMAR:
        if pattern.fullmatch(phrase):
            return level
    return None


def phrase_key(text: str) -> str:
    """How a phrase is looked up: without spaces (people type 鄞 州 and 北仑 区)."""
    return "".join(text.split())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Entities by lookup: phrases from the lookup tables and annotations, plus a rating grammar."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # the longest phrase, in jieba tokens (宁波 国家 高新区 …)
            "max_tokens": 6,
            # entity → the intents it is extracted for; entities not named are extracted always
            "only_for_intents": {},
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("max_tokens") or 0) < 1:
            raise InvalidConfigException("GazetteerEntityExtractor's `max_tokens` must be a positive number")
        gates = config.get("only_for_intents") or {}
        if not isinstance(gates, dict) or not all(isinstance(v, list) for v in gates.values()):
            raise InvalidConfigException(
                "GazetteerEntityExtractor's `only_for_intents` maps an entity to a list of intents, "
                "e.g. {rating: [rate_service]}"
            )

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        phrases: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.validate_config(config)
        self._model_storage = model_storage
        self._resource = resource
        self.max_tokens = int(config["max_tokens"])
        self.only_for_intents = {entity: set(intents) for entity, intents in (config["only_for_intents"] or {}).items()}
        self.phrases = phrases or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GazetteerEntityExtractor:
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GazetteerEntityExtractor:
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / PHRASES_FILE).read_text(encoding="utf-8"))
        phrases = {key: (entity, value) for key, (entity, value) in stored.items()}
        return cls({**cls.get_default_config(), **config}, model_storage, resource, phrases)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects the phrases of the lookup tables and the annotated examples."""
        self.phrases = collect_phrases(training_data)
        counts = Counter(entity for entity, _ in self.phrases.values())
        logger.info("gazetteer: %s", ", ".join(f"{n} {entity} phrases" for entity, n in sorted(counts.items())))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / PHRASES_FILE).write_text(json.dumps(self.phrases, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = self.add_extractor_name(self.extract(message))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def extract(self, message: Message) -> list[dict[str, Any]]:
        """The entities of one message, longest phrase first at each token."""
        text = message.get(TEXT) or ""
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        found: list[dict[str, Any]] = []
        i = 0
        while i < len(tokens):
            match = self._longest_at(text, tokens, i, intent)
            if match is None:
                i += 1
                continue
            last, entity, value = match
            start, end = tokens[i].start, tokens[last].end
            found.append({
                ENTITY_ATTRIBUTE_TYPE: entity, ENTITY_ATTRIBUTE_START: start, ENTITY_ATTRIBUTE_END: end,
                ENTITY_ATTRIBUTE_VALUE: value,
            })  # fmt: skip
            i = last + 1
        return found

    def _longest_at(self, text: str, tokens: list[Any], first: int, intent: str | None) -> tuple[int, str, str] | None:
        for last in range(min(len(tokens), first + self.max_tokens) - 1, first - 1, -1):
            key = phrase_key(text[tokens[first].start : tokens[last].end])
            known = self.phrases.get(key)
            if known is None:
                level = rating_level(key) or self._degree_of_known_rating(key)
                known = (RATING, str(level)) if level is not None else None
            if known is not None and self._allowed(known[0], intent):
                return last, known[0], known[1]
        return None

    def _degree_of_known_rating(self, key: str) -> int | None:
        """很糟糕, 太糟糕了: a degree word in front of a known rating phrase keeps its level."""
        degree = _DEGREE.match(key)
        if degree is None:
            return None
        rest = key[degree.end() :]
        known = self.phrases.get(rest) or self.phrases.get(rest.removesuffix("了"))
        return int(known[1]) if known is not None and known[0] == RATING and known[1].isdigit() else None

    def _allowed(self, entity: str, intent: str | None) -> bool:
        intents = self.only_for_intents.get(entity)
        return intents is None or intent in intents


def collect_phrases(training_data: TrainingData) -> dict[str, tuple[str, str]]:
    """phrase → (entity, value) from the lookup tables and the annotated examples (most common wins)."""
    votes: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for table in training_data.lookup_tables:
        elements = table.get("elements")
        if isinstance(elements, list):
            for element in elements:
                key = phrase_key(str(element))
                if key:
                    votes[key][(str(table["name"]), key)] += 1
    for example in training_data.training_examples:
        text = example.get(TEXT) or ""
        for entity in example.get(ENTITIES) or []:
            key = phrase_key(text[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]])
            if key:
                value = str(entity.get(ENTITY_ATTRIBUTE_VALUE) or key)
                # an annotation outweighs the lookup table's identity entry for the same phrase
                votes[key][(str(entity[ENTITY_ATTRIBUTE_TYPE]), phrase_key(value))] += 2
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()}
