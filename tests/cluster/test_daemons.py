"""Detached processes: started in a session of their own, recognised by id and marker, stopped."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from daofu.cluster.daemons import alive, spawn, terminate


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
