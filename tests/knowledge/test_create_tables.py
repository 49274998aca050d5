"""Two processes starting on one database both create the tables; neither may fail."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, inspect

from knowledge.db import create_engine_for, create_tables

TABLE_COUNT = 30
RACE_TABLES = MetaData()
for index in range(TABLE_COUNT):
    Table(f"race_{index}", RACE_TABLES, Column("id", Integer, primary_key=True))


def test_tables_created_by_several_starters_at_once_all_exist(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def starter() -> None:
        engine = create_engine_for(url)
        start.wait()
        try:
            create_tables(RACE_TABLES, engine)
        except BaseException as exc:  # the test reports any failure below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=starter) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    engine = create_engine_for(url)
    assert set(inspect(engine).get_table_names()) == {f"race_{index}" for index in range(TABLE_COUNT)}
