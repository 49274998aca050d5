"""Failures of the catalogue that the person running the command can fix.

All of them derive from :class:`daofu.errors.DaofuError`, so ``daofu`` prints one line and exits 1
instead of showing a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from daofu.errors import DaofuError

# How many validation problems a message lists before it only counts the rest.
MAX_SHOWN_ERRORS = 20


class CatalogError(DaofuError):
    """Anything wrong with the catalogue, its input files or its database."""


class CatalogMissingError(CatalogError):
    """The database has no catalogue yet (``daofu catalog build`` or ``import`` creates one)."""


class NotFoundError(CatalogError):
    """A guide, matter or region that was asked for does not exist; the message offers close names."""


class BuildInputError(CatalogError):
    """The demo builder's input files are missing or not what the builder expects."""


@dataclass(frozen=True, order=True)
class RecordProblem:
    """One problem in one line of an import file: where, which field, and what is wrong."""

    path: str
    line: int
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.problem}" if self.field else f"{where}: {self.problem}"


class CatalogValidationError(CatalogError):
    """An import file has bad records; nothing was written.

    ``problems`` holds every problem found (up to the validator's cap) and ``total`` how many there
    were in all. The message is one line (the first problem and a count); :meth:`report` lists up to
    :data:`MAX_SHOWN_ERRORS` of them for the command to print.
    """

    def __init__(self, problems: list[RecordProblem], total: int | None = None) -> None:
        if not problems:
            raise ValueError("CatalogValidationError needs at least one problem")
        self.problems = problems
        self.total = total if total is not None else len(problems)
        more = self.total - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        super().__init__(f"{problems[0]}{suffix}; nothing was imported")

    def report(self, limit: int = MAX_SHOWN_ERRORS) -> list[str]:
        """The problems as lines, at most ``limit`` of them, then a count of the rest."""
        lines = [str(problem) for problem in self.problems[:limit]]
        hidden = self.total - len(lines)
        if hidden > 0:
            lines.append(f"… and {hidden} more problem{'s' if hidden != 1 else ''} not shown")
        return lines
