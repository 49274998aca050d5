"""Detached processes: started in a session of their own, recognised by id and marker, stopped."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from daofu.cluster.daemons import alive, leftovers, spawn, stop_leftovers, terminate, wait_until


def test_a_detached_process_is_found_by_id_and_marker_and_stopped(tmp_path: Path) -> None:
    log_path = tmp_path / "logs" / "sleeper.log"
    sleep = shutil.which("sleep") or "/bin/sleep"
    pid = spawn([sleep, "300"], log_path, dict(os.environ))
    assert log_path.exists()
    assert os.getsid(pid) == pid  # its own session: a Ctrl-C in the terminal does not reach it
    assert alive(pid, "sleep 300") and not alive(pid, "rasa run")
    assert terminate(pid, "sleep 300", grace=5)
    assert not alive(pid)
    assert terminate(pid, "sleep 300") is False  # stopping what no longer runs is not an error


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    pid = spawn(["/bin/sh", "-c", "trap '' TERM; sleep 300"], tmp_path / "stubborn.log", dict(os.environ))
    assert alive(pid, "trap")
    assert terminate(pid, "trap", grace=0.5)
    assert not alive(pid)


def test_what_a_killed_process_leaves_in_its_session_is_found_and_stopped(tmp_path: Path) -> None:
    """As nginx's workers outlive a killed master and keep its port."""
    pid = spawn(["/bin/sh", "-c", "sleep 301 & wait"], tmp_path / "parent.log", dict(os.environ))
    assert wait_until(lambda: leftovers(pid, "sleep 301") != [], 5)
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not alive(pid), 5)
    left = leftovers(pid, "sleep 301")
    assert len(left) == 1 and leftovers(pid, "rasa run") == []
    assert stop_leftovers(pid, "sleep 301") == left
    assert leftovers(pid, "sleep 301") == [] and not alive(left[0])
