"""Where one cluster keeps its state: folders, ports and the ids of the processes it started.

Everything lives under one folder (``var/cluster`` by default, ``--state-dir`` to choose): the
PostgreSQL data, Redis's folder, nginx's generated configuration and temporary files, one log per
process under ``logs/`` and ``state.json`` with the ports and process ids. Ports are chosen once,
when the cluster is first started, and kept, so a process restarted later binds the same port
and nginx's configuration stays right.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from daofu.errors import DaofuError
from daofu.ports import free_port

# Start order; ``down`` stops them in the reverse order (nginx first, PostgreSQL last).
COMPONENTS = ("postgres", "redis", "service-1", "service-2", "rasa-1", "rasa-2", "nginx")
# Ports that are not exposed to anyone but the other processes of the cluster.
INTERNAL_PORTS = ("postgres", "redis", "service-1", "service-2", "rasa-1", "rasa-2", "actions")
DEFAULT_PUBLIC_PORT = 8080


class ClusterError(DaofuError):
    """A cluster component could not be started, checked or stopped."""


@dataclass
class Layout:
    """The folders and files of one cluster under ``state_dir``."""

    state_dir: Path

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def pg_data(self) -> Path:
        return self.state_dir / "pg" / "data"

    @property
    def pg_sockets(self) -> Path:
        return self.state_dir / "pg" / "sockets"

    @property
    def redis_dir(self) -> Path:
        return self.state_dir / "redis"

    @property
    def nginx_dir(self) -> Path:
        return self.state_dir / "nginx"

    @property
    def rasa_endpoints(self) -> Path:
        return self.state_dir / "rasa-endpoints.yml"

    def log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def create(self) -> None:
        for folder in (self.state_dir, self.logs_dir, self.redis_dir, self.nginx_dir):
            folder.mkdir(parents=True, exist_ok=True)


@dataclass
class State:
    """Ports (by component, plus ``public`` and ``actions``) and process ids, kept in ``state.json``."""

    ports: dict[str, int] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    public_host: str = "127.0.0.1"

    @classmethod
    def load(cls, layout: Layout) -> State:
        try:
            data = json.loads(layout.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise ClusterError(
                f"{layout.state_file} cannot be read ({exc}); stop what runs with `daofu cluster down` "
                "or remove the file if nothing does"
            ) from None
        return cls(
            ports={str(k): int(v) for k, v in data.get("ports", {}).items()},
            pids={str(k): int(v) for k, v in data.get("pids", {}).items()},
            public_host=str(data.get("public_host", "127.0.0.1")),
        )

    def save(self, layout: Layout) -> None:
        layout.state_dir.mkdir(parents=True, exist_ok=True)
        temporary = layout.state_file.with_suffix(".tmp")
        text = json.dumps({"ports": self.ports, "pids": self.pids, "public_host": self.public_host}, indent=2)
        temporary.write_text(text + "\n", encoding="utf-8")
        os.replace(temporary, layout.state_file)

    def assign_ports(self, public_port: int | None) -> None:
        """Choose a free port for every internal endpoint that has none yet; set the public one."""
        for name in INTERNAL_PORTS:
            if name not in self.ports:
                taken = set(self.ports.values())
                port = free_port()
                while port in taken:
                    port = free_port()
                self.ports[name] = port
        if public_port is not None:
            self.ports["public"] = public_port
        self.ports.setdefault("public", DEFAULT_PUBLIC_PORT)

    @property
    def public_url(self) -> str:
        return f"http://{self.public_host}:{self.ports['public']}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"
