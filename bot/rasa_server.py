"""``rasa`` as ``daofu run`` starts it: Rasa 3.6 with two per-turn costs of its own removed.

Profiling a turn (``benchmarks/load_bench.py``, docs/production.md) showed the Rasa process
spending more than half of its time in two places that do no work for the conversation:

* **The action server's answer is checked against a JSON schema, and the schema itself is
  re-checked every time.** Rasa calls ``jsonschema.validate`` for every custom action, which
  first validates the schema against the JSON-Schema meta-schema (a third of all the time Rasa
  spent on a turn). :func:`install_cached_action_validator` compiles the validator once; every
  answer is still validated against the same schema and a bad one fails with the same error.
* **Every tracker read and write opened and closed its own SQLite connection** (SQLAlchemy 1.4
  does not pool SQLite files), and every close of the last connection checkpointed the journal,
  with a full sync to disk on each commit. On the default SQLite tracker store,
  :func:`install_sqlite_tuning` keeps the connections in a pool and switches to write-ahead
  logging with ``synchronous=NORMAL``: a commit no longer waits for the disk, and a killed Rasa
  (kill -9) still loses nothing committed; only a power cut may lose the last turns. PostgreSQL
  and other databases are untouched.

Runs in the Rasa environment (``.venv-rasa``); started as ``python -m bot.rasa_server run …`` with
the arguments of ``rasa`` itself (:func:`daofu.processes.rasa_command`).
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Any

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def install_cached_action_validator() -> None:
    """Validate action-server answers with a validator compiled once (see the module docstring)."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from the "
                f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


def install_sqlite_tuning() -> None:
    """Pooled SQLite connections with write-ahead logging and ``synchronous=NORMAL`` (see above)."""
    from rasa.core import tracker_store
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import QueuePool

    rasa_engine_kwargs = tracker_store.create_engine_kwargs

    def engine_kwargs(url: Any) -> dict[str, Any]:
        if str(url).startswith("sqlite") and ":memory:" not in str(url):
            # Rasa reads and writes trackers from its event loop's thread; the pool hands a
            # connection to one session at a time, so sqlite3's same-thread check is not needed.
            return {"poolclass": QueuePool, "pool_size": 2, "connect_args": {"check_same_thread": False}}
        return rasa_engine_kwargs(url)

    tracker_store.create_engine_kwargs = engine_kwargs

    @event.listens_for(Engine, "connect")
    def tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()


def main(argv: list[str] | None = None) -> None:
    """``rasa`` with ``argv`` (default: this process's arguments), after the two fixes above."""
    install_cached_action_validator()
    install_sqlite_tuning()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
