"""The pure parts of benchmarks/load_bench.py: arguments, the table, the goals and the process tree.

The load itself needs the real servers for minutes; it is run by hand and its figures are in
docs/production.md. These tests keep the parts that turn samples into the table honest.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("load_bench", ROOT / "benchmarks" / "load_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_bench"] = module
    spec.loader.exec_module(module)
    return module


def target(bench, name: str, latency: float, turns: int, memory: float, start: float):
    level = bench.Level(latencies_ms=[latency] * turns, errors=1, seconds=10.0)
    paused = bench.Level(latencies_ms=[latency / 2] * 20, errors=0, seconds=10.0)
    return bench.Target(
        name,
        "http://127.0.0.1:1",
        results={("rest", 0.0, 10): level, ("rest", 3.0, 10): paused, ("rest", 3.0, 50): paused},
        memory={"rasa": memory, "service": 100.0, "all processes": memory + 100.0},
        cpu_ms_per_turn={"rasa": 30.0},
        start_seconds=start,
    )


def test_the_table_compares_the_sets_and_states_the_goals(bench) -> None:
    args = bench.parse_args(["--levels", "10,50", "--paths", "rest"])
    old = target(bench, "baseline main", latency=400.0, turns=100, memory=2000.0, start=90.0)
    new = target(bench, "this checkout", latency=100.0, turns=250, memory=600.0, start=30.0)
    table = bench.report([old, new], args)
    assert "baseline main" in table and "this checkout" in table
    assert "10.0" in table and "25.0" in table  # turns per second of the back-to-back level
    assert "back-to-back throughput 2.50× baseline main" in table
    assert "p95 at 10 people with 3 s pauses (rest): 50 ms" in table
    assert "peak RSS of all processes: 0.68 GB" in table
    assert "cold start to ready: 30.0 s" in table
    assert "peak RSS MB, rasa" in table and "CPU ms per turn, rasa" in table


def test_a_level_without_turns_has_no_percentiles(bench) -> None:
    level = bench.Level(seconds=5.0)
    assert level.turns_per_second == 0.0
    assert level.percentile(95) != level.percentile(95)  # NaN, printed as nan rather than a made-up 0


def test_quick_and_bad_arguments(bench) -> None:
    quick = bench.parse_args(["--quick"])
    assert quick.levels == [10, 50] and quick.seconds == 15.0 and quick.paths == ["rest", "ws"]
    with pytest.raises(SystemExit):
        bench.parse_args(["--paths", "grpc"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--no-local"])


def test_the_process_tree_and_its_memory(bench) -> None:
    tree = bench.process_tree([os.getppid()])
    assert os.getpid() in tree
    assert bench.rss_mb(os.getpid()) > 10
    assert bench.cpu_seconds(os.getpid()) > 0


def test_conversations_are_a_need_a_place_and_a_follow_up_in_varied_words(bench) -> None:
    import random

    rng = random.Random(3)
    talks = [bench.conversation(rng) for _ in range(200)]
    assert all(len(talk) == 3 for talk in talks)
    assert all(any(place in talk[1] for place in bench.PLACES) for talk in talks)
    assert len({talk[0] for talk in talks}) > 100  # mostly new questions, as in real traffic
