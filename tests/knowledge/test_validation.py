"""Bad records: each is reported as FILE:LINE: FIELD: PROBLEM, the command exits 1 and the database
is left exactly as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from daofu.cli import main
from knowledge.db import create_engine_for
from knowledge.errors import CatalogValidationError
from knowledge.importer import import_catalog
from knowledge.validation import read_catalog
from tests.knowledge.samples import database_fingerprint, file_sha256, guide, line_of, small_catalog, write_jsonl

Lines = list[Any]


def _first_guide(line: Any) -> bool:
    return isinstance(line, dict) and line.get("kind") == "guide"


def _missing_field(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    del lines[number - 1]["fee"]
    return number, "guide.fee", "missing required field"


def _wrong_type_number(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1]["legal_days"] = "20"
    return number, "guide.legal_days", 'expected a whole number, got a string "20"'


def _wrong_type_boolean(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1]["online"]["web"] = "yes"
    return number, "guide.online.web", "expected true or false"


def _wrong_type_integer_as_bool(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1]["materials"][0]["copies"] = True
    return number, "guide.materials[0].copies", "expected a whole number, got true"


def _unknown_enum(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1]["materials"][1]["form"] = "扫描件"
    return number, "guide.materials[1].form", 'unknown value "扫描件"; expected one of 原件'


def _unknown_region_level(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, lambda line: line.get("code") == "330212")
    lines[number - 1]["level"] = "省级"
    return number, "region.level", 'unknown value "省级"'


def _unknown_item_type(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, lambda line: line.get("kind") == "matter")
    lines[number - 1]["item_type"] = "行政审批"
    return number, "matter.item_type", 'unknown value "行政审批"'


def _duplicate_id(lines: Lines) -> tuple[int, str, str]:
    first = line_of(lines, _first_guide)
    lines.append(dict(lines[first - 1]))
    return len(lines), "guide.id", f"already defined on line {first}"


def _duplicate_matter_code(lines: Lines) -> tuple[int, str, str]:
    first = line_of(lines, lambda line: line.get("kind") == "matter")
    copy = dict(lines[first - 1], name="另一个名字")
    lines.append(copy)
    return len(lines), "matter.code", f"duplicate id 'T-001' (already defined on line {first})"


def _duplicate_matter_name(lines: Lines) -> tuple[int, str, str]:
    first = line_of(lines, lambda line: line.get("kind") == "matter")
    lines.append(dict(lines[first - 1], code="T-009"))
    return len(lines), "matter.name", f"(also on line {first})"


def _promised_over_legal(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1].update(legal_days=20, promised_days=30)
    return number, "guide.promised_days", "30 is more than legal_days 20"


def _zero_visit_with_visits(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1]["online"].update(zero_visit=True, max_visits=2)
    return number, "guide.online.max_visits", "zero_visit is true"


def _unknown_field(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1]["fees"] = "10元"
    return number, "guide.fees", "unknown field"


def _unknown_matter_reference(lines: Lines) -> tuple[int, str, str]:
    lines.append(guide("T-999", "330212", "某部门"))
    return len(lines), "guide.matter", "unknown matter code 'T-999'"


def _unknown_parent(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, lambda line: line.get("code") == "330203001")
    lines[number - 1]["parent"] = "999999"
    return number, "region.parent", "unknown region code '999999'"


def _guide_at_wrong_level(lines: Lines) -> tuple[int, str, str]:
    lines.append(guide("T-001", "3302", "宁波市公安局"))
    return len(lines), "guide.region", "is a 市级 region but matter T-001 is implemented at 区县, 乡镇街道"


def _second_guide_same_place(lines: Lines) -> tuple[int, str, str]:
    lines.append(guide("T-001", "330212", "别的部门", id="OTHER-ID"))
    return len(lines), "guide.id", "a second guide for matter T-001 in region 330212"


def _bad_utf8(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    raw = json.dumps(lines[number - 1], ensure_ascii=False).encode("utf-8")
    lines[number - 1] = raw.replace("宁波市公安局".encode(), b"\xff\xfe" + "公安局".encode(), 1)
    return number, "", "not valid UTF-8: byte 0xff"


def _invalid_json(lines: Lines) -> tuple[int, str, str]:
    number = line_of(lines, _first_guide)
    lines[number - 1] = json.dumps(lines[number - 1], ensure_ascii=False)[:-1] + ",}"
    return number, "", "invalid JSON"


def _not_an_object(lines: Lines) -> tuple[int, str, str]:
    lines.append("[1, 2, 3]")
    return len(lines), "", "expected a JSON object"


def _unknown_kind(lines: Lines) -> tuple[int, str, str]:
    lines.append({"kind": "department", "name": "x"})
    return len(lines), "kind", 'unknown kind a string "department"'


def _header_missing(lines: Lines) -> tuple[int, str, str]:
    del lines[0]
    return 1, "kind", "the first record must be the catalogue header"


CASES: dict[str, Callable[[Lines], tuple[int, str, str]]] = {
    "missing field": _missing_field,
    "wrong type (string for number)": _wrong_type_number,
    "wrong type (string for boolean)": _wrong_type_boolean,
    "wrong type (boolean for number)": _wrong_type_integer_as_bool,
    "unknown material form": _unknown_enum,
    "unknown region level": _unknown_region_level,
    "unknown item type": _unknown_item_type,
    "duplicate guide id": _duplicate_id,
    "duplicate matter code": _duplicate_matter_code,
    "duplicate matter name": _duplicate_matter_name,
    "promised more than legal days": _promised_over_legal,
    "zero visit with visits": _zero_visit_with_visits,
    "unknown field": _unknown_field,
    "unknown matter reference": _unknown_matter_reference,
    "unknown parent region": _unknown_parent,
    "guide at a level its matter is not at": _guide_at_wrong_level,
    "two guides for one matter and region": _second_guide_same_place,
    "bad UTF-8": _bad_utf8,
    "invalid JSON": _invalid_json,
    "not an object": _not_an_object,
    "unknown kind": _unknown_kind,
    "header missing": _header_missing,
}


@pytest.fixture
def small_db(cli_env: Path, tmp_path: Path) -> Path:
    """A database holding the small valid catalogue, imported through the command."""
    good = write_jsonl(tmp_path / "good.jsonl", small_catalog())
    assert main(["catalog", "import", str(good)]) == 0
    return cli_env / "knowledge.db"


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_record_is_reported_and_nothing_changes(
    case: str, small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_engine_for(f"sqlite:///{small_db}")
    before_rows, before_file = database_fingerprint(engine), file_sha256(small_db)
    lines = small_catalog()
    number, field, problem = CASES[case](lines)
    bad = write_jsonl(tmp_path / "bad.jsonl", lines)
    capsys.readouterr()

    assert main(["catalog", "import", str(bad)]) == 1

    err = capsys.readouterr().err
    where = f"{bad}:{number}: {field}: " if field else f"{bad}:{number}: "
    assert where in err, err
    assert problem in err, err
    assert "nothing was imported" in err
    assert "Traceback" not in err
    assert database_fingerprint(engine) == before_rows
    assert file_sha256(small_db) == before_file
    engine.dispose()


def test_truncated_file(small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = file_sha256(small_db)
    data = write_jsonl(tmp_path / "whole.jsonl", small_catalog()).read_bytes()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(data[: len(data) - 200])  # ends in the middle of the last guide, no newline
    lines = cut.read_bytes().count(b"\n") + 1
    capsys.readouterr()
    assert main(["catalog", "import", str(cut)]) == 1
    err = capsys.readouterr().err
    assert f"{cut}:{lines}: invalid JSON" in err
    assert "the file looks truncated" in err
    assert file_sha256(small_db) == before


def test_all_problems_are_collected_and_the_list_is_capped(tmp_path: Path, capsys, cli_env: Path) -> None:
    lines = small_catalog()
    for index in range(25):
        lines.append(guide("T-001", "330212", "部门", id=f"BAD-{index:02d}", promised_days=99, legal_days=1))
    bad = write_jsonl(tmp_path / "many.jsonl", lines)
    with pytest.raises(CatalogValidationError) as caught:
        read_catalog(bad)
    assert caught.value.total == 25
    assert main(["catalog", "import", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    listed = [line for line in err if line.startswith(f"{bad}:")]
    assert len(listed) == 20
    assert any("… and 5 more problems not shown" in line for line in err)
    assert err[-1].startswith("daofu catalog: error: ") and "(and 24 more problems)" in err[-1]
    assert not (cli_env / "knowledge.db").exists()  # nothing written, not even an empty database


def test_problems_name_the_line_of_each_bad_record(tmp_path: Path) -> None:
    lines = small_catalog()
    first = line_of(lines, _first_guide)
    lines[first - 1]["legal_days"] = -1
    lines[first].pop("steps")
    with pytest.raises(CatalogValidationError) as caught:
        read_catalog(write_jsonl(tmp_path / "two.jsonl", lines))
    found = [(problem.line, problem.field) for problem in caught.value.problems]
    assert found == [(first, "guide.legal_days"), (first + 1, "guide.steps")]


def test_empty_and_missing_files(tmp_path: Path, capsys, cli_env: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["catalog", "import", str(empty)]) == 1
    assert "the file is empty" in capsys.readouterr().err
    assert main(["catalog", "import", str(tmp_path / "nope.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_direct_import_raises_typed_error(tmp_path: Path) -> None:
    lines = small_catalog()
    _promised_over_legal(lines)
    engine = create_engine_for(f"sqlite:///{tmp_path / 'k.db'}")
    with pytest.raises(CatalogValidationError) as caught:
        import_catalog(write_jsonl(tmp_path / "bad.jsonl", lines), engine)
    problem = caught.value.problems[0]
    assert (problem.field, problem.line) == ("guide.promised_days", line_of(lines, _first_guide))
    assert not (tmp_path / "k.db").exists()
