"""The NLU training data is consistent with the domain and fit for a fair held-out evaluation.

Fast checks, no training: intent and entity names match ``bot/domain.yml``, every intent has enough
examples, entities sit on jieba token boundaries, no sentence is written twice (not even with one
character changed), slot values are the ones the actions understand, and the places cover every
district, county and development zone.
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from bot.tools.check_nlu import (
    DICTIONARY_DIR,
    ROOT,
    Example,
    bad_values,
    jieba_tokenizer,
    load_examples,
    misaligned,
    near_duplicates,
    unannotated_places,
)
from bot.tools.make_region_lookup import region_names
from knowledge.demo.regions import DEVELOPMENT_ZONES, district_short, load_regions

MINIMUM_EXAMPLES = 25
MINIMUM_BY_INTENT = {"ask_service": 150, "inform_region": 100, "out_of_scope": 60}


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


@pytest.fixture(scope="module")
def domain() -> dict:
    return yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


def test_intents_are_exactly_the_domain_intents(examples: list[Example], domain: dict) -> None:
    assert {example.intent for example in examples} == set(domain["intents"])


def test_every_intent_has_enough_examples(examples: list[Example]) -> None:
    counts = Counter(example.intent for example in examples)
    short = {
        intent: count for intent, count in counts.items() if count < MINIMUM_BY_INTENT.get(intent, MINIMUM_EXAMPLES)
    }
    assert not short, f"intents with too few examples: {short}"


def test_entities_are_domain_entities(examples: list[Example], domain: dict) -> None:
    used = {entity.entity for example in examples for entity in example.entities}
    assert used <= set(domain["entities"]), f"not in the domain: {used - set(domain['entities'])}"


def test_no_duplicates_or_one_character_variants(examples: list[Example]) -> None:
    problems = list(near_duplicates(examples))
    assert not problems, "\n".join(problems)


def test_values_are_the_ones_the_actions_understand(examples: list[Example]) -> None:
    problems = list(bad_values(examples))
    assert not problems, "\n".join(problems)


def test_entities_sit_on_jieba_token_boundaries(examples: list[Example]) -> None:
    if not DICTIONARY_DIR.is_dir():
        pytest.fail(f"{DICTIONARY_DIR} is missing; `daofu setup` builds the jieba dictionary")
    problems = list(misaligned(examples, jieba_tokenizer()))
    assert not problems, "\n".join(problems)


def test_every_region_value_is_a_known_place(examples: list[Example]) -> None:
    """Typos are annotated with the real name as value ([银州]{… "value": "鄞州"})."""
    known = set(region_names())
    unknown = {
        entity.value
        for example in examples
        for entity in example.entities
        if entity.entity == "region" and entity.value not in known
    }
    assert not unknown, f"region values that name no Ningbo place: {sorted(unknown)}"


def test_every_place_is_annotated(examples: list[Example]) -> None:
    problems = list(unannotated_places(examples, region_names()))
    assert not problems, "\n".join(problems)


def test_answers_to_questions_carry_their_entity(examples: list[Example]) -> None:
    wanted = {"inform_region": "region", "inform_applicant": "applicant_type", "rate_service": "rating"}
    missing = [
        f"{example.intent}: {example.raw}"
        for example in examples
        if example.intent in wanted and wanted[example.intent] not in {e.entity for e in example.entities}
    ]
    assert not missing, "\n".join(missing)


def test_places_cover_districts_zones_and_many_towns(examples: list[Example]) -> None:
    regions = load_regions(ROOT / "knowledge" / "data")
    said = {entity.value for example in examples for entity in example.entities if entity.entity == "region"}
    districts = [region.name for region in regions if region.level == "区县"]
    for name in districts:
        assert name in said, f"district {name} is never annotated"
        assert district_short(name) in said, f"short form {district_short(name)} is never annotated"
    for _, official, short, _ in DEVELOPMENT_ZONES:
        assert official in said or short in said, f"development zone {official} is never annotated"
    towns = {region.name for region in regions if region.level == "乡镇街道"}
    in_inform_region = {
        entity.value
        for example in examples
        if example.intent == "inform_region"
        for entity in example.entities
        if entity.value in towns
    }
    assert len(in_inform_region) >= 30, f"only {len(in_inform_region)} towns and streets in inform_region"


def test_the_city_is_never_a_region(examples: list[Example]) -> None:
    """宁波 is where every question is; the actions expect a district, zone or town."""
    assert not [e.raw for e in examples for entity in e.entities if entity.value in {"宁波", "宁波市"}]
