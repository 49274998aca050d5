"""Failures of the search index that the person running the command can fix."""

from daofu.errors import DaofuError


class SearchIndexError(DaofuError):
    """Anything wrong with the search index."""


class IndexMissingError(SearchIndexError):
    """No index has been built yet."""


class IndexMismatchError(SearchIndexError):
    """The index was built from another catalogue, model or format version."""
