"""The project's hand-written word tables: UTF-8 text, one ``left<TAB>right`` pair per line.

Synonyms, colloquial words, variant words and place aliases share this format so that people can
edit them in any text editor: ``#`` starts a comment, blank lines are skipped, and a malformed line
is an error that names the file, the line and the expected shape, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def read_pairs(
    path: Path, shape: str, error: type[Exception] = ValueError, *, right_required: bool = True
) -> Iterator[tuple[str, str]]:
    """Yield the stripped ``(left, right)`` pairs of the table at ``path``.

    >>> import tempfile, pathlib
    >>> table = pathlib.Path(tempfile.mkdtemp()) / "words.tsv"
    >>> _ = table.write_text("# spoken\\tplain\\n寻勿着\\t找不到\\n", encoding="utf-8")
    >>> list(read_pairs(table, "spoken<TAB>plain"))
    [('寻勿着', '找不到')]

    Raises ``error`` ("words.tsv:3: expected 'spoken<TAB>plain', got '…'") for a line without
    exactly two fields, an empty left side, or an empty right side when ``right_required``.
    """
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or (right_required and not fields[1].strip()):
            raise error(f"{path}:{number}: expected {shape!r}, got {raw!r}")
        yield fields[0].strip(), fields[1].strip()
