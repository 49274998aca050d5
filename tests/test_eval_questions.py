"""The evaluation questions we wrote (eval/) are well-formed and labelled with the catalogue's own names."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from daofu.config import load_settings
from knowledge.db import create_engine_for
from knowledge.models import Matter
from knowledge.records import RegionLevel
from knowledge.repository import Catalog

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "written_questions.jsonl"
FRESH_QUESTIONS = ROOT / "eval" / "fresh_questions.jsonl"
HOLDOUT_QUESTIONS = ROOT / "eval" / "holdout_questions.jsonl"
FINAL_QUESTIONS = ROOT / "eval" / "final_questions.jsonl"
KINDS = ("long", "elder", "ningbo", "typo", "sibling", "life")
ASPECTS = {None, "materials", "time", "fee", "location", "online", "process"}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return read(QUESTIONS)


@pytest.fixture(
    scope="module",
    params=[QUESTIONS, FRESH_QUESTIONS, HOLDOUT_QUESTIONS, FINAL_QUESTIONS],
    ids=["written", "fresh", "holdout", "final"],
)
def any_set(request: pytest.FixtureRequest) -> list[dict]:
    return read(request.param)


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, str], set[str]]:
    settings = load_settings()
    engine = create_engine_for(settings.database_url)
    with engine.connect() as connection:
        names = {name: code for code, name in connection.execute(select(Matter.code, Matter.name))}
    districts = {r.name for r in Catalog(engine, settings).regions() if r.level == RegionLevel.DISTRICT}
    return names, districts


def test_every_question_is_complete_and_unique(any_set):
    assert len({q["id"] for q in any_set}) == len(any_set)
    for question in any_set:
        assert set(question) >= {"id", "query", "expected", "region", "aspect", "kind", "source"}, question["id"]
        assert question["query"].strip() and question["aspect"] in ASPECTS, question["id"]
        assert (question["kind"] == "negative") == (question["expected"] == []), question["id"]


def test_at_least_two_hundred_in_scope_questions_about_forty_of_each_kind(questions):
    counts = Counter(q["kind"] for q in questions)
    assert sum(counts[kind] for kind in KINDS) >= 200
    assert all(counts[kind] >= 35 for kind in KINDS), counts
    assert counts["negative"] >= 15


def test_labels_are_the_catalogues_own_names_and_districts(any_set, catalogue):
    names, districts = catalogue
    for question in any_set:
        assert all(name in names for name in question["expected"]), question["id"]
        assert question["source"] == [names[name] for name in question["expected"]], question["id"]
        assert question["region"] is None or question["region"] in districts, question["id"]
