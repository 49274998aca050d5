"""Reading and validating a catalogue file (the JSON-lines format of ``docs/catalog-format.md``).

Every line is checked — encoding, JSON syntax, record kind, each field's presence, type, range and
allowed values — and then the records are checked against each other: unique codes, ids and
names, references that resolve, regions nested top-down, guides only at levels their matter is
implemented at. All problems are collected (not just the first), each naming ``file:line``, the
field and what is wrong, so a person can fix a file in one pass. Nothing is imported from a file
with any problem; that decision belongs to the importer, which calls :func:`read_catalog` first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn

from knowledge.errors import CatalogError, CatalogValidationError, RecordProblem
from knowledge.records import (
    FORMAT_VERSION,
    ITEM_TYPES,
    MATERIAL_FORMS,
    REGION_LEVELS,
    SERVICE_OBJECTS,
    CatalogHeader,
    CatalogRecords,
    FaqEntry,
    GuideRecord,
    Material,
    MatterRecord,
    Online,
    RegionLevel,
    RegionRecord,
)

# Problems kept in memory; beyond this only the count grows.
MAX_COLLECTED = 1000

REGION_CODE = re.compile(r"^[0-9A-Za-z]{2,32}$")
MATTER_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")
GUIDE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,95}$")
FORM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
MAX_DAYS = 3650
MAX_VISITS = 10
MAX_COPIES = 99

KINDS = ("catalog", "region", "matter", "guide")

HEADER_FIELDS = {"kind", "format_version", "name", "demo", "description"}
REGION_FIELDS = {"kind", "code", "name", "level", "parent", "aliases"}
MATTER_FIELDS = {
    "kind",
    "code",
    "name",
    "aliases",
    "item_type",
    "service_object",
    "theme",
    "levels",
    "legal_basis",
    "faq",
    "high_frequency",
}
MATTER_OPTIONAL = {"high_frequency"}
GUIDE_FIELDS = {
    "kind",
    "id",
    "matter",
    "region",
    "department",
    "conditions",
    "materials",
    "steps",
    "legal_days",
    "promised_days",
    "fee",
    "address",
    "hours",
    "phone",
    "online",
    "form_code",
}
OPTIONAL_FIELDS = {"description", "aliases"}
MATERIAL_FIELDS = {"name", "form", "copies", "required", "e_license", "note"}
ONLINE_FIELDS = {"web", "mobile", "zero_visit", "max_visits"}
FAQ_FIELDS = {"q", "a"}


def _describe(value: Any) -> str:
    """How a JSON value reads in an error message: its JSON type and a short rendering."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kind = (
        "a string"
        if isinstance(value, str)
        else "a number"
        if isinstance(value, int | float)
        else "a list"
        if isinstance(value, list)
        else "an object"
    )
    shown = json.dumps(value, ensure_ascii=False)
    if len(shown) > 40:
        shown = shown[:37] + "…"
    return f"{kind} {shown}"


class _Problems:
    """Collects problems for one file; counts them all, keeps the first :data:`MAX_COLLECTED`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[RecordProblem] = []
        self.total = 0

    def add(self, line: int, field: str, problem: str) -> None:
        self.total += 1
        if len(self.items) < MAX_COLLECTED:
            self.items.append(RecordProblem(self.path, line, field, problem))

    def raise_if_any(self) -> None:
        """Raise :class:`CatalogValidationError` with the problems in line order, if there are any."""
        if self.total:
            self.items.sort(key=lambda problem: (problem.line, problem.field))
            raise CatalogValidationError(self.items, self.total)


class _Fields:
    """Typed access to one JSON object's fields, reporting every problem against ``prefix.key``.

    Each getter returns the value when it is acceptable and None otherwise; ``ok`` turns False at
    the first problem so the caller knows not to build a record from it.
    """

    def __init__(self, obj: dict[str, Any], prefix: str, line: int, problems: _Problems) -> None:
        self.obj = obj
        self.prefix = prefix
        self.line = line
        self.problems = problems
        self.ok = True

    def fail(self, key: str, problem: str) -> None:
        self.ok = False
        self.problems.add(self.line, f"{self.prefix}.{key}" if key else self.prefix, problem)

    def check_keys(self, allowed: set[str], optional: Iterable[str] = ()) -> None:
        for key in sorted(set(self.obj) - allowed):
            self.fail(key, f"unknown field (allowed: {', '.join(sorted(allowed - {'kind'}))})")
        for key in sorted(allowed - set(self.obj) - set(optional)):
            self.fail(key, "missing required field")

    def _get(self, key: str, expected: str, accept: Callable[[Any], bool]) -> Any:
        if key not in self.obj:
            return None  # reported by check_keys
        value = self.obj[key]
        if not accept(value):
            self.fail(key, f"expected {expected}, got {_describe(value)}")
            return None
        return value

    def text(
        self, key: str, *, required: bool = True, max_length: int = 20_000, pattern: re.Pattern[str] | None = None
    ) -> str | None:
        value = self._get(key, "a string", lambda v: isinstance(v, str))
        if value is None:
            return None
        if required and not value.strip():
            self.fail(key, "must not be empty")
            return None
        if len(value) > max_length:
            self.fail(key, f"too long ({len(value)} characters; at most {max_length})")
            return None
        if pattern is not None and not pattern.match(value):
            self.fail(key, f"{_describe(value)} is not a valid {key} (pattern {pattern.pattern})")
            return None
        return value

    def nullable_text(self, key: str, pattern: re.Pattern[str]) -> tuple[bool, str | None]:
        """(acceptable, value) for a string that may be null."""
        if key in self.obj and self.obj[key] is None:
            return True, None
        value = self.text(key, pattern=pattern)
        return value is not None, value

    def integer(self, key: str, low: int, high: int) -> int | None:
        value = self._get(key, "a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool))
        if value is None:
            return None
        if not low <= value <= high:
            self.fail(key, f"{value} is out of range ({low}–{high})")
            return None
        return int(value)

    def boolean(self, key: str) -> bool | None:
        return self._get(key, "true or false", lambda v: isinstance(v, bool))

    def enum(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self._get(key, "a string", lambda v: isinstance(v, str))
        if value is None:
            return None
        if value not in allowed:
            self.fail(
                key, f"unknown value {json.dumps(value, ensure_ascii=False)}; expected one of {', '.join(allowed)}"
            )
            return None
        return value

    def text_list(
        self, key: str, *, allowed: tuple[str, ...] | None = None, non_empty: bool = False, required: bool = True
    ) -> tuple[str, ...] | None:
        if key not in self.obj and not required:
            return ()
        value = self._get(key, "a list of strings", lambda v: isinstance(v, list))
        if value is None:
            return None
        good = True
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{key}[{index}]", f"expected a non-empty string, got {_describe(item)}")
                good = False
            elif allowed is not None and item not in allowed:
                self.fail(
                    f"{key}[{index}]",
                    f"unknown value {json.dumps(item, ensure_ascii=False)}; expected one of {', '.join(allowed)}",
                )
                good = False
        if good and len(set(value)) != len(value):
            self.fail(key, "lists the same value twice")
            good = False
        if good and non_empty and not value:
            self.fail(key, "must not be empty")
            good = False
        return tuple(value) if good else None

    def objects(self, key: str) -> list[_Fields] | None:
        value = self._get(key, "a list of objects", lambda v: isinstance(v, list))
        if value is None:
            return None
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{key}[{index}]", f"expected an object, got {_describe(item)}")
                continue
            out.append(_Fields(item, f"{self.prefix}.{key}[{index}]", self.line, self.problems))
        return out if len(out) == len(value) else None

    def object(self, key: str) -> _Fields | None:
        value = self._get(key, "an object", lambda v: isinstance(v, dict))
        if value is None:
            return None
        return _Fields(value, f"{self.prefix}.{key}", self.line, self.problems)


def _header(fields: _Fields) -> CatalogHeader | None:
    fields.check_keys(HEADER_FIELDS, OPTIONAL_FIELDS)
    version = fields._get("format_version", "a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool))
    if version is not None and version != FORMAT_VERSION:
        fields.fail("format_version", f"unsupported version {version}; this program reads version {FORMAT_VERSION}")
    name = fields.text("name", max_length=100)
    demo = fields.boolean("demo")
    description = fields.text("description", required=False) if "description" in fields.obj else ""
    if not fields.ok or name is None or demo is None or description is None:
        return None
    return CatalogHeader(name=name, demo=demo, description=description)


def _region(fields: _Fields) -> RegionRecord | None:
    fields.check_keys(REGION_FIELDS, OPTIONAL_FIELDS)
    code = fields.text("code", pattern=REGION_CODE)
    name = fields.text("name", max_length=100)
    level = fields.enum("level", REGION_LEVELS)
    ok_parent, parent = fields.nullable_text("parent", REGION_CODE)
    aliases = fields.text_list("aliases", required=False)
    if not fields.ok or code is None or name is None or level is None or not ok_parent or aliases is None:
        return None
    return RegionRecord(code=code, name=name, level=level, parent=parent, aliases=aliases)


def _matter(fields: _Fields) -> MatterRecord | None:
    fields.check_keys(MATTER_FIELDS, optional=MATTER_OPTIONAL)
    code = fields.text("code", pattern=MATTER_CODE)
    name = fields.text("name", max_length=200)
    aliases = fields.text_list("aliases")
    item_type = fields.enum("item_type", ITEM_TYPES)
    service_object = fields.text_list("service_object", allowed=SERVICE_OBJECTS, non_empty=True)
    theme = fields.text("theme", max_length=100)
    levels = fields.text_list("levels", allowed=REGION_LEVELS, non_empty=True)
    legal_basis = fields.text("legal_basis", required=False)
    high_frequency = fields.boolean("high_frequency") if "high_frequency" in fields.obj else False
    faq: list[FaqEntry] = []
    for entry in fields.objects("faq") or []:
        entry.check_keys(FAQ_FIELDS)
        question, answer = entry.text("q"), entry.text("a")
        if entry.ok and question is not None and answer is not None:
            faq.append(FaqEntry(question, answer))
        else:
            fields.ok = False
    values = (code, name, aliases, item_type, service_object, theme, levels, legal_basis, high_frequency)
    if not fields.ok or any(value is None for value in values):
        return None
    assert code and name and item_type and theme and aliases is not None and levels and service_object
    return MatterRecord(
        code=code,
        name=name,
        aliases=aliases,
        item_type=item_type,
        service_object=service_object,
        theme=theme,
        levels=levels,
        legal_basis=legal_basis or "",
        faq=tuple(faq),
        high_frequency=bool(high_frequency),
    )


def _material(fields: _Fields) -> Material | None:
    fields.check_keys(MATERIAL_FIELDS)
    name = fields.text("name", max_length=500)
    form = fields.enum("form", MATERIAL_FORMS)
    copies = fields.integer("copies", 1, MAX_COPIES)
    required = fields.boolean("required")
    e_license = fields.boolean("e_license")
    note = fields.text("note", required=False)
    if not fields.ok or None in (name, form, copies, required, e_license, note):
        return None
    return Material(name, form, copies, required, e_license, note)  # type: ignore[arg-type]


def _online(fields: _Fields) -> Online | None:
    fields.check_keys(ONLINE_FIELDS)
    web, mobile, zero_visit = fields.boolean("web"), fields.boolean("mobile"), fields.boolean("zero_visit")
    max_visits = fields.integer("max_visits", 0, MAX_VISITS)
    if zero_visit and max_visits:
        fields.fail("max_visits", f"is {max_visits} but zero_visit is true (a zero-visit matter needs 0 visits)")
    if not fields.ok or None in (web, mobile, zero_visit, max_visits):
        return None
    return Online(web, mobile, zero_visit, max_visits)  # type: ignore[arg-type]


def _guide(fields: _Fields) -> GuideRecord | None:
    fields.check_keys(GUIDE_FIELDS)
    guide_id = fields.text("id", pattern=GUIDE_ID)
    matter = fields.text("matter", pattern=MATTER_CODE)
    region = fields.text("region", pattern=REGION_CODE)
    department = fields.text("department", max_length=200)
    conditions = fields.text("conditions", required=False)
    materials = []
    for entry in fields.objects("materials") or []:
        material = _material(entry)
        if material is None:
            fields.ok = False
        else:
            materials.append(material)
    steps = fields.text_list("steps")
    legal_days = fields.integer("legal_days", 0, MAX_DAYS)
    promised_days = fields.integer("promised_days", 0, MAX_DAYS)
    if legal_days is not None and promised_days is not None and promised_days > legal_days:
        fields.fail(
            "promised_days",
            f"{promised_days} is more than legal_days {legal_days} "
            "(the promised time limit must be within the legal one)",
        )
    fee = fields.text("fee", max_length=1000)
    address = fields.text("address", max_length=500)
    hours = fields.text("hours", max_length=500)
    phone = fields.text("phone", max_length=64)
    online_fields = fields.object("online")
    online = _online(online_fields) if online_fields is not None else None
    if online_fields is not None and online is None:
        fields.ok = False
    ok_form, form_code = fields.nullable_text("form_code", FORM_CODE)
    values = (
        guide_id,
        matter,
        region,
        department,
        conditions,
        steps,
        legal_days,
        promised_days,
        fee,
        address,
        hours,
        phone,
        online,
    )
    if not fields.ok or not ok_form or any(value is None for value in values):
        return None
    return GuideRecord(
        id=guide_id,
        matter=matter,
        region=region,
        department=department,
        conditions=conditions,  # type: ignore[arg-type]
        materials=tuple(materials),
        steps=steps,
        legal_days=legal_days,
        promised_days=promised_days,  # type: ignore[arg-type]
        fee=fee,
        address=address,
        hours=hours,
        phone=phone,
        online=online,
        form_code=form_code,  # type: ignore[arg-type]
    )


def read_catalog(path: Path, *, display_name: str | None = None, progress: bool = False) -> CatalogRecords:
    """Parse and validate a catalogue file; raise :class:`CatalogValidationError` listing every
    problem, or return the records."""
    shown = display_name or str(path)
    lines, ends_with_newline = _lines(_read_bytes(path, shown))
    reader = _Reader(_Problems(shown), last_line=len(lines), ends_with_newline=ends_with_newline)
    for number, raw in _numbered(lines, progress):
        reader.read_line(number, raw)
    if not lines or all(not raw.strip() for raw in lines):
        reader.problems.add(0, "", "the file is empty; a catalogue starts with a header line")
    _cross_check(reader.regions, reader.matters, reader.guides, reader.problems)
    reader.problems.raise_if_any()
    return reader.records()


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CatalogError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise CatalogError(f"{shown}: is a directory, not a catalogue file") from None
    except PermissionError:
        raise CatalogError(f"{shown}: permission denied") from None


def _lines(data: bytes) -> tuple[list[bytes], bool]:
    """The file's lines, without their line feeds, and whether the last one ended with a line feed."""
    lines = data.split(b"\n")
    ends_with_newline = bool(lines) and lines[-1] == b""
    if ends_with_newline:
        lines.pop()
    return lines, ends_with_newline


def _numbered(lines: list[bytes], progress: bool) -> Iterable[tuple[int, bytes]]:
    """The lines with their numbers (from 1), behind a progress bar when asked for."""
    numbered = enumerate(lines, start=1)
    if not progress:
        return numbered
    from tqdm import tqdm

    return tqdm(numbered, total=len(lines), desc="validating", unit=" lines", disable=None, leave=False)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


class _LineRejected(Exception):
    """A line is not a record at all; its problem is reported and reading goes on with the next."""


class _Reader:
    """Turns a catalogue file's lines, one at a time, into records or problems.

    Records are kept by key with the line they came from, for the checks between records
    (:func:`_cross_check`). The header must be the first record: any line that is not blank, even
    a broken one, counts as a record having come before it.
    """

    def __init__(self, problems: _Problems, *, last_line: int, ends_with_newline: bool) -> None:
        self.problems = problems
        self.last_line = last_line
        self.ends_with_newline = ends_with_newline
        self.header: CatalogHeader | None = None
        self.header_line = 0
        self.regions: dict[str, tuple[int, RegionRecord]] = {}
        self.matters: dict[str, tuple[int, MatterRecord]] = {}
        self.guides: dict[str, tuple[int, GuideRecord]] = {}
        self.first_record = True

    def read_line(self, number: int, raw: bytes) -> None:
        try:
            text = self._text(number, raw)
            if not text.strip():
                return  # blank lines are allowed anywhere
            obj = self._json_object(number, text)
            kind = self._kind(number, obj)
        except _LineRejected:
            self.first_record = False
            return
        self._record(number, kind, obj)
        self.first_record = False

    def records(self) -> CatalogRecords:
        """The records read, once the file turned out to have no problem."""
        assert self.header is not None
        return CatalogRecords(
            header=self.header,
            regions={code: record for code, (_, record) in self.regions.items()},
            matters={code: record for code, (_, record) in self.matters.items()},
            guides={gid: record for gid, (_, record) in self.guides.items()},
        )

    def _reject(self, number: int, field: str, problem: str) -> NoReturn:
        self.problems.add(number, field, problem)
        raise _LineRejected

    def _text(self, number: int, raw: bytes) -> str:
        """The line as text: decoded as UTF-8, without a carriage return at its end or a byte-order mark
        at the start of the file."""
        raw = raw.removesuffix(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._reject(
                number, "", f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line"
            )
        return text.removeprefix("\ufeff") if number == 1 else text

    def _json_object(self, number: int, text: str) -> dict[str, Any]:
        try:
            obj = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            truncated = number == self.last_line and not self.ends_with_newline
            hint = " (the line is cut short: the file looks truncated)" if truncated else ""
            self._reject(number, "", f"invalid JSON: {exc.msg} (column {exc.colno}){hint}")
        except ValueError as exc:
            self._reject(number, "", f"invalid JSON: {exc}")
        if not isinstance(obj, dict):
            self._reject(number, "", f"expected a JSON object {{…}}, got {_describe(obj)}")
        return obj

    def _kind(self, number: int, obj: dict[str, Any]) -> str:
        kind = obj.get("kind")
        if kind in KINDS:
            return kind
        if "kind" not in obj:
            self._reject(number, "kind", "missing required field (one of: " + ", ".join(KINDS) + ")")
        self._reject(number, "kind", f"unknown kind {_describe(kind)}; expected one of {', '.join(KINDS)}")

    def _record(self, number: int, kind: str, obj: dict[str, Any]) -> None:
        fields = _Fields(obj, kind, number, self.problems)
        if kind == "catalog":
            self._catalog_header(number, fields)
            return
        if self.first_record:
            self.problems.add(number, "kind", 'the first record must be the catalogue header {"kind": "catalog", …}')
        if kind == "region":
            region = _region(fields)
            if region is not None:
                _remember(self.regions, region.code, number, region, "region.code", self.problems)
        elif kind == "matter":
            matter = _matter(fields)
            if matter is not None:
                _remember(self.matters, matter.code, number, matter, "matter.code", self.problems)
        else:
            guide = _guide(fields)
            if guide is not None:
                _remember(self.guides, guide.id, number, guide, "guide.id", self.problems)

    def _catalog_header(self, number: int, fields: _Fields) -> None:
        """The catalogue header: the first record, and only one (the first one counts)."""
        if not self.first_record and self.header_line:
            self.problems.add(number, "kind", f"a second catalogue header (already on line {self.header_line})")
        elif not self.first_record:
            self.problems.add(
                number,
                "kind",
                "the catalogue header must be the first record of the file (it must be the first record)",
            )
        header = _header(fields)
        if self.header_line == 0:
            self.header_line = number
            self.header = header


def _remember(
    store: dict[str, tuple[int, Any]], key: str, line: int, record: Any, field: str, problems: _Problems
) -> None:
    if key in store:
        problems.add(line, field, f"duplicate id {key!r} (already defined on line {store[key][0]})")
        return
    store[key] = (line, record)


def _cross_check(
    regions: dict[str, tuple[int, RegionRecord]],
    matters: dict[str, tuple[int, MatterRecord]],
    guides: dict[str, tuple[int, GuideRecord]],
    problems: _Problems,
) -> None:
    """Checks between records: names unique, references resolve, levels consistent."""
    _check_regions(regions, problems)
    _check_matter_names(matters, problems)
    _check_guides(guides, regions, matters, problems)


def _check_regions(regions: dict[str, tuple[int, RegionRecord]], problems: _Problems) -> None:
    """Region names are unique; a region's parent exists and is on a higher level."""
    seen_names: dict[str, int] = {}
    for code, (line, region) in regions.items():
        if region.name in seen_names:
            problems.add(
                line, "region.name", f"duplicate name {region.name!r} (also on line {seen_names[region.name]})"
            )
        seen_names.setdefault(region.name, line)
        if region.parent is None:
            continue
        if region.parent == code:
            problems.add(line, "region.parent", "a region cannot be its own parent")
        elif region.parent not in regions:
            problems.add(line, "region.parent", f"unknown region code {region.parent!r} (no region record has it)")
        else:
            parent = regions[region.parent][1]
            if RegionLevel(region.level).rank <= RegionLevel(parent.level).rank:
                problems.add(
                    line,
                    "region.parent",
                    f"a {region.level} region cannot be inside "
                    f"{parent.name} ({parent.level}); levels go {' > '.join(REGION_LEVELS)}",
                )


def _check_matter_names(matters: dict[str, tuple[int, MatterRecord]], problems: _Problems) -> None:
    seen_names: dict[str, int] = {}
    for _code, (line, matter) in matters.items():
        if matter.name in seen_names:
            problems.add(
                line, "matter.name", f"duplicate name {matter.name!r} (also on line {seen_names[matter.name]})"
            )
        seen_names.setdefault(matter.name, line)


def _check_guides(
    guides: dict[str, tuple[int, GuideRecord]],
    regions: dict[str, tuple[int, RegionRecord]],
    matters: dict[str, tuple[int, MatterRecord]],
    problems: _Problems,
) -> None:
    """A guide's matter and region exist, the matter is implemented at the region's level, and
    there is one guide per matter and region."""
    pairs: dict[tuple[str, str], tuple[int, str]] = {}
    for guide_id, (line, guide) in guides.items():
        matter_entry = matters.get(guide.matter)
        region_entry = regions.get(guide.region)
        if matter_entry is None:
            problems.add(line, "guide.matter", f"unknown matter code {guide.matter!r} (no matter record has it)")
        if region_entry is None:
            problems.add(line, "guide.region", f"unknown region code {guide.region!r} (no region record has it)")
        if matter_entry and region_entry:
            matter, region = matter_entry[1], region_entry[1]
            # A development zone also implements matters listed at district level: zones sit beside
            # the districts and take their enterprise business.
            level = region.level
            if level == RegionLevel.ZONE and RegionLevel.ZONE not in matter.levels:
                level = RegionLevel.DISTRICT
            if level not in matter.levels:
                problems.add(
                    line,
                    "guide.region",
                    f"{region.name} is a {region.level} region but matter "
                    f"{matter.code} is implemented at {', '.join(matter.levels)}",
                )
        pair = (guide.matter, guide.region)
        if pair in pairs:
            other_line, other_id = pairs[pair]
            problems.add(
                line,
                "guide.id",
                f"a second guide for matter {guide.matter} in region {guide.region} "
                f"(guide {other_id} on line {other_line}); one guide per matter and region",
            )
        else:
            pairs[pair] = (line, guide_id)
