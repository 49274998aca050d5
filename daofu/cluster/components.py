"""The seven components of a cluster: how each one starts, how it is checked and how it stops.

Each :class:`Component` knows its command line, its environment, its health check and the
marker that identifies its process (so a recorded id taken over by another program is not
mistaken for it). PostgreSQL is started and stopped through ``pg_ctl`` (:mod:`daofu.cluster.postgres`);
the others are started detached (:mod:`daofu.cluster.daemons`) and stopped by their process id.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from daofu.cluster import nginx, postgres
from daofu.cluster.daemons import alive, spawn, terminate
from daofu.cluster.layout import ClusterError, Layout, State
from daofu.config import Settings
from daofu.processes import (
    ENDPOINTS_HEADER,
    _redis_lock,
    _sql_tracker,
    auth_token_option,
    quiet_rasa_environment,
    rasa_model_path,
)
from daofu.secrets import ACTION_TOKEN_HEADER, action_token, rasa_token

REDIS_SERVER = Path("/usr/bin/redis-server")
# Redis databases: Rasa's lock store, and the services' shared state (WeChat, push, …).
RASA_LOCK_DB = 0
SERVICE_STATE_DB = 1


@dataclass(frozen=True)
class Context:
    """What every component needs: folders, ports, the settings and environment it was started from."""

    layout: Layout
    state: State
    settings: Settings
    env: dict[str, str]

    def redis_url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.state.ports['redis']}/{db}"


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def http_json(url: str, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Component:
    name: str
    marker: str
    start: Callable[[Context], int]
    healthy: Callable[[Context], bool]
    health_note: Callable[[Context], str] = lambda _context: ""

    def pid(self, context: Context) -> int | None:
        if self.name == "postgres":
            return postgres.pid(context.layout)
        number = context.state.pids.get(self.name)
        return number if alive(number, self.marker) else None

    def stop(self, context: Context) -> bool:
        if self.name == "postgres":
            return postgres.stop(context.layout, context.settings.pg_bin)
        return terminate(context.state.pids.get(self.name), self.marker)


# --- PostgreSQL and Redis ------------------------------------------------------------------------


def _start_postgres(context: Context) -> int:
    return postgres.start(context.layout, context.state, context.settings.pg_bin)


def _start_redis(context: Context) -> int:
    if not REDIS_SERVER.exists():
        raise ClusterError(f"Redis is not installed ({REDIS_SERVER} is missing): apt-get install redis-server")
    # No persistence: Rasa's locks and the services' short-lived state (WeChat retries, options,
    # push fan-out) mean nothing after a restart. Production may keep Redis's own defaults.
    command = [
        str(REDIS_SERVER), "--port", str(context.state.ports["redis"]), "--bind", "127.0.0.1",
        "--dir", str(context.layout.redis_dir), "--save", "", "--appendonly", "no", "--daemonize", "no",
    ]  # fmt: skip
    return spawn(command, context.layout.log("redis"), context.env)


def _redis_healthy(context: Context) -> bool:
    import redis

    client = redis.Redis(host="127.0.0.1", port=context.state.ports["redis"], socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


# --- Rasa ---------------------------------------------------------------------------------------


def write_rasa_endpoints(context: Context) -> Path:
    """Rasa's endpoints.yml for both instances: actions through nginx, tracker in PostgreSQL, locks in Redis.

    The same shape as ``daofu run`` writes (:func:`daofu.processes.write_rasa_endpoints`), with the
    action endpoint at nginx's loopback server, so that either service instance runs an action.
    """
    import yaml

    config = {
        "action_endpoint": {
            "url": f"http://127.0.0.1:{context.state.ports['actions']}/webhook",
            "headers": {ACTION_TOKEN_HEADER: action_token(context.settings)},
        },
        "tracker_store": _sql_tracker(postgres.tracker_url(context.state)),
        "lock_store": _redis_lock(context.redis_url(RASA_LOCK_DB)),
    }
    text = ENDPOINTS_HEADER + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, default_flow_style=False)
    path = context.layout.rasa_endpoints
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the action token
    os.chmod(path, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _rasa_starter(name: str) -> Callable[[Context], int]:
    def start(context: Context) -> int:
        settings = context.settings
        model = rasa_model_path(settings)
        if not model.exists():
            raise ClusterError(f"no trained dialogue model at {model}; run `daofu setup` first")
        # As `daofu run` starts Rasa: `rasa run` through bot/rasa_server.py (daofu.processes.rasa_command).
        command = [
            str(settings.root / ".venv-rasa" / "bin" / "python"), "-m", "bot.rasa_server", "run", "--enable-api",
            "-i", "127.0.0.1",
            "-p", str(context.state.ports[name]), "-m", str(model),
            "--endpoints", str(context.layout.rasa_endpoints),
            "--credentials", str(settings.root / "bot" / "credentials.yml"),
        ]  # fmt: skip
        command.append(auth_token_option(rasa_token(settings)))
        env = quiet_rasa_environment(context.env)
        env.setdefault("OMP_NUM_THREADS", "1")
        return spawn(command, context.layout.log(name), env, settings.root)

    return start


def _rasa_health(name: str) -> Callable[[Context], bool]:
    def healthy(context: Context) -> bool:
        return http_ok(f"{context.state.url(name)}/status?token={rasa_token(context.settings)}")

    return healthy


# --- the services ---------------------------------------------------------------------------------


def service_environment(context: Context, name: str) -> dict[str, str]:
    """A service instance's environment: the cluster's addresses over whatever the caller set."""
    state = context.state
    env = dict(context.env)
    shared_state = context.redis_url(SERVICE_STATE_DB)
    env.update(
        DAOFU_HOST="127.0.0.1",
        DAOFU_PORT=str(state.ports[name]),
        DAOFU_VAR_DIR=str(context.settings.var_dir),
        DAOFU_DATABASE_URL=postgres.sqlalchemy_url(state),
        DAOFU_RASA_URL=",".join(state.url(rasa) for rasa in ("rasa-1", "rasa-2")),
        DAOFU_PROXIES_COUNT="1",
    )
    env.setdefault("DAOFU_PUBLIC_URL", state.public_url)
    env.setdefault("DAOFU_REDIS_URL", shared_state)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _service_starter(name: str) -> Callable[[Context], int]:
    def start(context: Context) -> int:
        command = [str(context.settings.root / ".venv" / "bin" / "daofu"), "serve"]
        return spawn(command, context.layout.log(name), service_environment(context, name), context.settings.root)

    return start


def _service_health(name: str) -> Callable[[Context], bool]:
    return lambda context: http_ok(f"{context.state.url(name)}/health")


def _service_note(name: str) -> Callable[[Context], str]:
    def note(context: Context) -> str:
        data = http_json(f"{context.state.url(name)}/health")
        return f"dialogue {data.get('dialogue', '?')}" if data else ""

    return note


# --- nginx ----------------------------------------------------------------------------------------


def _start_nginx(context: Context) -> int:
    config = nginx.write_config(context.layout, context.state)
    return spawn(nginx.command(context.layout, config), context.layout.log("nginx"), context.env)


def _nginx_healthy(context: Context) -> bool:
    return http_ok(f"http://127.0.0.1:{context.state.ports['public']}/nginx-health")


COMPONENTS: tuple[Component, ...] = (
    Component("postgres", "postgres", _start_postgres, lambda context: postgres.healthy(context.state)),
    Component("redis", "redis-server", _start_redis, _redis_healthy),
    Component("service-1", "daofu serve", _service_starter("service-1"), _service_health("service-1"),
              _service_note("service-1")),
    Component("service-2", "daofu serve", _service_starter("service-2"), _service_health("service-2"),
              _service_note("service-2")),
    Component("rasa-1", "bot.rasa_server", _rasa_starter("rasa-1"), _rasa_health("rasa-1")),
    Component("rasa-2", "bot.rasa_server", _rasa_starter("rasa-2"), _rasa_health("rasa-2")),
    Component("nginx", "nginx", _start_nginx, _nginx_healthy),
)  # fmt: skip
