"""``up``, ``status`` and ``down`` of a whole cluster, in dependency order.

``up`` is idempotent: a component that runs is left alone, one that does not (never started,
stopped, or killed) is started, and the command returns when every component is healthy, or fails
with the log lines of the one that is not. So ``daofu cluster up`` also brings back a component
that died, without touching the others. ``down`` stops in the reverse order: nginx first (no new
requests), then the services, Rasa, Redis and PostgreSQL last.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from daofu.cluster import postgres
from daofu.cluster.components import COMPONENTS, Component, Context, write_rasa_endpoints
from daofu.cluster.daemons import last_lines, stop_leftovers
from daofu.cluster.layout import ClusterError, Layout, State
from daofu.config import Settings
from daofu.local_agent import ensure_local_agent_token
from daofu.ports import port_is_free
from daofu.secrets import action_token, rasa_token

log = logging.getLogger(__name__)

Say = Callable[[str], None]
# nginx first (no new requests), then the services, Rasa, Redis, and PostgreSQL last.
DOWN_ORDER = ("nginx", "service-1", "service-2", "rasa-1", "rasa-2", "redis", "postgres")


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    port: int | None
    pid: int | None
    healthy: bool
    note: str = ""

    @property
    def state(self) -> str:
        if self.pid is None:
            return "stopped"
        return "healthy" if self.healthy else "unhealthy"


class Cluster:
    """One cluster, found by its state folder."""

    def __init__(self, settings: Settings, state_dir: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.layout = Layout((state_dir or settings.var_dir / "cluster").resolve())
        self.state = State.load(self.layout)
        self.env = dict(os.environ if env is None else env)

    @property
    def context(self) -> Context:
        return Context(self.layout, self.state, self.settings, self.env)

    def port_of(self, component: Component) -> int | None:
        key = "public" if component.name == "nginx" else component.name
        return self.state.ports.get(key)

    # --- up --------------------------------------------------------------------------------------

    def up(self, public_port: int | None = None, public_host: str | None = None, timeout: float = 300.0,
           say: Say = print) -> list[str]:  # fmt: skip
        """Start whatever does not run and wait until everything is healthy; the names started."""
        self.layout.create()
        running_nginx = COMPONENTS[-1].pid(self.context) is not None
        if running_nginx and public_port is not None and public_port != self.state.ports.get("public"):
            raise ClusterError(
                f"nginx of this cluster already listens on port {self.state.ports['public']}; "
                "stop it with `daofu cluster down` to change the port"
            )
        if public_host:
            self.state.public_host = public_host
        self.state.assign_ports(public_port)
        self.state.save(self.layout)
        started: list[str] = []

        def start(component: Component) -> None:
            if self._start(component, say):
                started.append(component.name)

        by_name = {component.name: component for component in COMPONENTS}
        start(by_name["postgres"])
        self._wait([by_name["postgres"]], 60)
        postgres.create_databases(self.state)
        start(by_name["redis"])
        self._wait([by_name["redis"]], 30)
        # Shared secrets first: two processes must not race to create them.
        action_token(self.settings)
        rasa_token(self.settings)
        ensure_local_agent_token(self.settings)
        write_rasa_endpoints(self.context)
        # Rasa loads its model (a minute) while the catalogue is imported; it needs only its tracker database.
        for name in ("rasa-1", "rasa-2"):
            start(by_name[name])
        postgres.import_catalogue(self.state, self.settings)
        start(by_name["service-1"])
        # The first service creates whatever tables are missing; the second must not race it.
        self._wait([by_name["service-1"]], timeout)
        for name in ("service-2", "nginx"):
            start(by_name[name])
        if started:
            say("waiting until every component is healthy (Rasa needs about a minute to load its model)…")
        self._wait(list(COMPONENTS), timeout)
        return started

    def _start(self, component: Component, say: Say) -> bool:
        """Start ``component`` unless it runs; True if it was started (it may still be loading)."""
        if component.pid(self.context) is not None:
            return False
        if component.name != "postgres":  # PostgreSQL's own processes end when the postmaster dies
            left = stop_leftovers(self.state.pids.get(component.name), component.marker)
            if left:
                say(f"stopped what was left of the last {component.name}: processes {', '.join(map(str, left))}")
        port = self.port_of(component)
        host = self.state.public_host if component.name == "nginx" else "127.0.0.1"
        if port is not None and not port_is_free(host, port):
            raise ClusterError(
                f"port {port} for {component.name} is taken by another program; stop it, or start the "
                "cluster in another state folder (--state-dir) to get new ports"
            )
        say(f"starting {component.name} (port {port}, log {self.layout.log(component.name)})")
        self.state.pids[component.name] = component.start(self.context)
        self.state.save(self.layout)
        return True

    def start(self, name: str, timeout: float = 300.0, say: Say = print, wait: bool = True) -> bool:
        """Start one component of a cluster that was up before and, unless told not to, wait until it is healthy."""
        component = self._component(name)
        started = self._start(component, say)
        if wait:
            self._wait([component], timeout)
        return started

    def _component(self, name: str) -> Component:
        for component in COMPONENTS:
            if component.name == name:
                return component
        raise ClusterError(f"no cluster component {name!r}; they are {', '.join(c.name for c in COMPONENTS)}")

    def wait(self, names: tuple[str, ...] | None = None, timeout: float = 300.0) -> None:
        """Wait until the components ``names`` (default: all) that run are healthy (one started a
        moment ago may still be loading)."""
        wanted = [self._component(name) for name in names] if names else list(COMPONENTS)
        self._wait([component for component in wanted if component.pid(self.context) is not None], timeout)

    def _wait(self, components: list[Component], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = list(components)
        while pending:
            for component in list(pending):
                if component.pid(self.context) is None:
                    log_path = self.layout.log(component.name)
                    raise ClusterError(
                        f"{component.name} exited while starting: {last_lines(log_path)} (log: {log_path})"
                    )
                if component.healthy(self.context):
                    pending.remove(component)
            if pending and time.monotonic() > deadline:
                names = ", ".join(component.name for component in pending)
                raise ClusterError(f"{names} not healthy after {timeout:.0f} s (logs in {self.layout.logs_dir})")
            if pending:
                time.sleep(0.5)

    # --- status and down -----------------------------------------------------------------------------

    def status(self) -> list[ComponentStatus]:
        rows = []
        context = self.context
        for component in COMPONENTS:
            pid = component.pid(context)
            healthy = pid is not None and component.healthy(context)
            note = component.health_note(context) if healthy else ""
            rows.append(ComponentStatus(component.name, self.port_of(component), pid, healthy, note))
        return rows

    def stop(self, name: str, say: Say = print) -> bool:
        """Stop one component (the others keep running); True if it ran."""
        component = self._component(name)
        stopped = component.stop(self.context)
        if name != "postgres":
            stopped = bool(stop_leftovers(self.state.pids.get(name), component.marker)) or stopped
        if stopped:
            say(f"stopped {name}")
        self.state.pids.pop(name, None)
        self.state.save(self.layout)
        return stopped

    def down(self, purge: bool = False, say: Say = print) -> list[str]:
        """Stop every component, nginx first and PostgreSQL last; ``purge`` also deletes the state folder."""
        stopped = [name for name in DOWN_ORDER if self.stop(name, say)]
        if purge and self.layout.state_dir.exists():
            shutil.rmtree(self.layout.state_dir)
            say(f"deleted {self.layout.state_dir}")
        return stopped
