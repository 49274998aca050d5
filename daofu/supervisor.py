"""Keep Rasa and the service running: restart a crashed one with backoff, give up loudly when it keeps crashing.

``daofu run`` starts both servers (:class:`~daofu.processes.ServerPair`) and then hands them to a
:class:`Supervisor`, polled about once a second. When one server exits on its own, the other one
keeps serving (the service answers "系统繁忙，请稍后再试" while Rasa is away, see
:mod:`channels.dialogue`) and the crashed one is started again after 1, 2, 4, 8 … seconds (at most
:data:`MAX_DELAY`). Crashes are counted per server over a sliding window
(``DAOFU_RESTART_WINDOW``); the crash that reaches ``DAOFU_RESTART_LIMIT`` within it ends the
supervision with a one-line reason, because a server that cannot stay up needs a person, not
another restart. Conversations survive a restart: Rasa keeps them in its tracker store.

Example::

    supervisor = Supervisor(servers.shutdown_order, lambda: RestartPolicy(limit=5, window=600))
    while (reason := supervisor.check()) is None:
        time.sleep(1)
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from daofu.errors import DaofuError
from daofu.processes import ManagedProcess

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 30.0


class GaveUp(DaofuError):
    """A server crashed too often within the window; ``daofu run`` stops and says which and why."""


@dataclass
class RestartPolicy:
    """Exponential backoff per crash, and the crash count over a sliding window that ends it all."""

    limit: int
    window: float
    first_delay: float = FIRST_DELAY
    max_delay: float = MAX_DELAY
    _crashes: deque[float] = field(default_factory=deque)

    def crashed(self, now: float) -> float | None:
        """Record a crash at ``now``; the seconds to wait before the restart, or None to give up."""
        self._crashes.append(now)
        while self._crashes and self._crashes[0] <= now - self.window:
            self._crashes.popleft()
        if len(self._crashes) >= self.limit:
            return None
        return min(self.first_delay * 2 ** (len(self._crashes) - 1), self.max_delay)

    @property
    def recent(self) -> int:
        """Crashes counted in the current window."""
        return len(self._crashes)


@dataclass
class _Watched:
    process: ManagedProcess
    policy: RestartPolicy
    restart_at: float | None = None
    recovering: bool = False
    last_code: int | None = None


class Supervisor:
    """Watches processes that are already running; :meth:`check` restarts or gives up."""

    def __init__(
        self,
        processes: Sequence[ManagedProcess],
        policy: Callable[[], RestartPolicy],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._watched = [_Watched(process, policy()) for process in processes]
        self._clock = clock

    @property
    def restarting(self) -> list[str]:
        """Names of the servers that crashed and are not healthy again yet."""
        return [w.process.name for w in self._watched if w.restart_at is not None or w.recovering]

    def check(self) -> None:
        """One round: restart what is due, notice what crashed; :class:`GaveUp` when it is too often."""
        now = self._clock()
        for watched in self._watched:
            process = watched.process
            if watched.restart_at is not None:
                if now < watched.restart_at:
                    continue
                watched.restart_at = None
                watched.recovering = True
                log.warning("restarting %s", process.name)
                process.start()
                continue
            code = process.exited()
            if code is not None:
                self._crashed(watched, code, now)
            elif watched.recovering and process.healthy():
                watched.recovering = False
                log.warning("%s is answering again after its restart", process.name)

    def _crashed(self, watched: _Watched, code: int, now: float) -> None:
        process, policy = watched.process, watched.policy
        watched.last_code = code
        delay = policy.crashed(now)
        if delay is None:
            raise GaveUp(
                f"{process.name} crashed {policy.recent} times within {policy.window:.0f} s "
                f"(DAOFU_RESTART_LIMIT, DAOFU_RESTART_WINDOW); giving up. Last exit code {code}, "
                f"last log line: {process.last_log_line() or '(none)'} (log: {process.log_path})"
            )
        watched.restart_at = now + delay
        watched.recovering = False
        log.error(
            "%s exited with code %d; restarting it in %.0f s (crash %d of %d allowed within %.0f s)%s",
            process.name,
            code,
            delay,
            policy.recent,
            policy.limit - 1,
            policy.window,
            "; the other server keeps answering",
        )
