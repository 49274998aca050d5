"""Reading question files (JSON lines) with errors that name the file and line.

Both ``daofu search --batch`` and ``daofu eval retrieval`` read one JSON object per line with a
``query`` and an optional ``region``; this module checks those fields once for both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from daofu.errors import DaofuError


class QuestionFileError(DaofuError):
    """A question file is missing, not UTF-8, or has a malformed line."""


def question_rows(path: Path, required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; ``query`` must be a string, ``region`` a
    string or null, and every field in ``required`` present."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise QuestionFileError(f"{path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise QuestionFileError(f"{path} is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise QuestionFileError(f"{path}:{number}: not valid JSON ({exc})") from None
        missing = [name for name in required if not isinstance(row, dict) or name not in row]
        if not isinstance(row, dict) or missing or not isinstance(row.get("query"), str):
            needed = ", ".join(f"'{name}'" for name in (*required, "query") if name != "query")
            also = f"{needed} and " if needed else ""
            raise QuestionFileError(f"{path}:{number}: each line needs {also}a string 'query'")
        if row.get("region") is not None and not isinstance(row["region"], str):
            raise QuestionFileError(f"{path}:{number}: 'region' must be a string or null")
        yield number, row
