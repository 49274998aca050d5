"""Port checks, so that a busy port is reported up front in one line instead of a server crash."""

from __future__ import annotations

import socket

from daofu.config import Settings, load_settings
from daofu.errors import DaofuError


class PortInUseError(DaofuError):
    """A port the assistant wants to bind is taken by another program."""


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def ensure_port_free(who: str, host: str, port: int, variable: str) -> None:
    if not port_is_free(host, port):
        raise PortInUseError(
            f"port {port} on {host} (for {who}) is already in use; stop the program holding it "
            f"or choose another port with {variable}=…"
        )


def ensure_ports_free(settings: Settings | None = None, include_rasa: bool = True) -> None:
    """Fail with one clear line if the service's (or Rasa's) port is taken."""
    settings = settings or load_settings()
    ensure_port_free("the service", settings.host, settings.port, "DAOFU_PORT")
    if include_rasa and not settings.rasa_url_override:
        ensure_port_free("Rasa", "127.0.0.1", settings.rasa_port, "DAOFU_RASA_PORT")


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free right now (for tests and benchmarks that start their own servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
