"""The published format agrees with the code: knowledge/schema.json, docs/catalog-format.md, the
validator and the builder's output."""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path
from typing import Any

from knowledge.db import create_engine_for
from knowledge.importer import import_catalog
from knowledge.records import FORMAT_VERSION, ITEM_TYPES, MATERIAL_FORMS, REGION_LEVELS, SERVICE_OBJECTS
from knowledge.repository import Catalog
from knowledge.validation import (
    GUIDE_FIELDS,
    HEADER_FIELDS,
    MATERIAL_FIELDS,
    MATTER_FIELDS,
    ONLINE_FIELDS,
    REGION_FIELDS,
)
from tests.knowledge.conftest import DemoBuild

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "knowledge" / "schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]
KIND_FIELDS = {"catalog": HEADER_FIELDS, "region": REGION_FIELDS, "matter": MATTER_FIELDS, "guide": GUIDE_FIELDS}


def test_schema_lists_the_validators_fields_and_values() -> None:
    for kind, fields in KIND_FIELDS.items():
        assert set(DEFS[kind]["properties"]) == fields, kind
        assert DEFS[kind]["additionalProperties"] is False
    assert set(DEFS["material"]["properties"]) == MATERIAL_FIELDS
    assert set(DEFS["online"]["properties"]) == ONLINE_FIELDS
    assert DEFS["catalog"]["properties"]["format_version"]["const"] == FORMAT_VERSION
    assert DEFS["region"]["properties"]["level"]["enum"] == list(REGION_LEVELS)
    assert DEFS["matter"]["properties"]["item_type"]["enum"] == list(ITEM_TYPES)
    assert DEFS["matter"]["properties"]["service_object"]["items"]["enum"] == list(SERVICE_OBJECTS)
    assert DEFS["material"]["properties"]["form"]["enum"] == list(MATERIAL_FORMS)


def _conforms(line: dict[str, Any]) -> None:
    """The parts of the schema a reader relies on most: required fields, no others, enums."""
    definition = DEFS[line["kind"]]
    assert set(definition["required"]) <= set(line) <= set(definition["properties"]), line["kind"]
    for key, spec in definition["properties"].items():
        if key in line and "enum" in spec:
            assert line[key] in spec["enum"]
        if key in line and "pattern" in spec:
            assert re.match(spec["pattern"], line[key]), (key, line[key])


def test_builder_output_follows_the_schema(demo: DemoBuild) -> None:
    with demo.jsonl.open(encoding="utf-8") as handle:
        lines = [json.loads(line) for line in islice(handle, 0, None, 97)]  # a spread of every kind
    assert {line["kind"] for line in lines} == {"catalog", "region", "matter", "guide"}
    for line in lines:
        _conforms(line)


def test_documented_example_imports(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "catalog-format.md").read_text(encoding="utf-8")
    example = text.split("### Example", 1)[1].split("```json", 1)[1].split("```", 1)[0].strip()
    path = tmp_path / "example.jsonl"
    path.write_text(example + "\n", encoding="utf-8")
    engine = create_engine_for(f"sqlite:///{tmp_path / 'k.db'}")
    result = import_catalog(path, engine)
    assert result.added == ("NB-330212-NBC-A-020",)
    assert Catalog(engine).guide("NB-330212-NBC-A-020").department == "宁波市公安局鄞州分局"
    engine.dispose()
