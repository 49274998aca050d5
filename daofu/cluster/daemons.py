"""Processes that outlive the command that started them: start detached, check, stop by id.

``daofu cluster up`` returns once everything is healthy; the processes it started keep running in
sessions of their own (so a Ctrl-C in the terminal does not reach them), write to their own log
file and are found again by the id recorded in ``state.json``. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from daofu.cluster.layout import ClusterError


def spawn(command: Sequence[str], log_path: Path, env: dict[str, str], cwd: Path | None = None) -> int:
    """Start ``command`` in a new session with stdout and stderr appended to ``log_path``; its id."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        try:
            process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise ClusterError(f"could not start {command[0]}: {exc}") from None
    # Until the new program shows in /proc, the child still looks like this process; a check of its
    # marker in that moment would take it for dead.
    program = Path(command[0]).name
    wait_until(lambda: process.poll() is not None or program in _cmdline(process.pid), 5, interval=0.01)
    return process.pid


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _reap(pid: int) -> None:
    """Collect the exit status of a child of this process, so that it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def alive(pid: int | None, marker: str = "") -> bool:
    """Whether ``pid`` runs (not a zombie) and, given ``marker``, its command line contains it.

    The marker keeps a recorded id that the system has since given to another program from
    being taken for ours.
    """
    if not pid:
        return False
    _reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    cmdline = _cmdline(pid)
    state = stat.rsplit(")", 1)[-1].split()[0]
    if state in ("Z", "X"):
        return False
    return marker in cmdline if marker else True


def terminate(pid: int | None, marker: str = "", grace: float = 20.0) -> bool:
    """SIGTERM the process group of ``pid``, then SIGKILL after ``grace`` seconds; True if it ran."""
    if not alive(pid, marker):
        return False
    assert pid is not None
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            os.kill(pid, sig)
        if wait_until(lambda: not alive(pid), wait):
            return True
    raise ClusterError(f"process {pid} did not stop after SIGKILL")


def leftovers(group: int, marker: str) -> list[int]:
    """Processes still in the session ``group`` whose command line contains ``marker``.

    A killed main process can leave its children running (nginx's workers keep the port open);
    the marker makes sure a group id the system has since reused is not taken for ours.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] not in ("Z", "X") and marker in cmdline:
            found.append(int(entry.name))
    return found


def stop_leftovers(group: int | None, marker: str) -> list[int]:
    """SIGKILL what is left of a session whose main process died (see :func:`leftovers`); their ids."""
    if not group:
        return []
    found = leftovers(group, marker)
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not any(alive(pid) for pid in found), 10)
    return found


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def last_lines(path: Path, count: int = 3) -> str:
    """The last non-empty lines of a log, for an error message that says what went wrong."""
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-count:])
