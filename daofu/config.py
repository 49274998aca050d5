"""Settings: every environment variable the project reads, parsed once, in one place.

Every default works on a single machine with nothing but SQLite: the catalogue and the
conversation store live under ``var/``; Rasa and the service bind to loopback. Production
overrides the same names from the environment (``DAOFU_DATABASE_URL`` for PostgreSQL,
``DAOFU_RASA_URL`` for a Rasa cluster behind a load balancer, …).

:data:`VARIABLES` is the table of record: name, default, meaning and parser of each variable.
The README's configuration table is checked against it (``tests/test_config.py``) and
``daofu config`` prints it with the values in effect. A value that does not parse raises
:class:`SettingsError`, whose message names the variable, what is wrong and what to write
instead; the ``daofu`` command turns it into one line on stderr and exit code 2.

Standard library only: the setup (``daofu.bootstrap``) and the Rasa environment import this
module before or without the project's dependencies.

Example::

    settings = load_settings()                   # from os.environ
    settings = Settings.from_env({"DAOFU_PORT": "8080"})
    settings.port, settings.database_url         # (8080, 'sqlite:///…/var/knowledge.db')
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from daofu.duty import ALWAYS, DutyHours, parse_duty_hours
from daofu.duty import DAYS as DAYS_SHORT
from daofu.errors import DaofuError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Channel modules the service can mount (``DAOFU_CHANNELS``); the order is the mounting order.
CHANNEL_NAMES = ("search_api", "forms", "widget", "wechat", "agent")
DEFAULT_FORM_URL_TEMPLATE = "{public_url}/forms/{matter_code}?guide={guide_id}"
DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com"


class SettingsError(DaofuError):
    """An environment variable holds a value the project cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


# --- parsers: raw text → value, or ValueError with what to write instead -----------------------


def _text(raw: str) -> str:
    return raw


def _port(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"{raw!r} is not a port; write a whole number from 1 to 65535")
    return int(raw)


def _positive_int(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{raw!r} is not a positive whole number")
    return int(raw)


def _count(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) > 10:
        raise ValueError(f"{raw!r} is not a small whole number (0 to 10)")
    return int(raw)


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{raw!r} is not a positive number of seconds")
    return value


def _flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not a yes/no value; write 1 or 0")


def _path(raw: str) -> Path:
    return Path(os.path.expanduser(raw)).resolve()


def _http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{raw!r} is not an http(s) address; write e.g. https://zwfw.ningbo.gov.cn")
    return raw.rstrip("/")


def _http_urls(raw: str) -> str:
    urls = [part.strip() for part in raw.split(",") if part.strip()]
    if not urls:
        raise ValueError(f"{raw!r} names no address; write e.g. http://10.0.0.5:5005,http://10.0.0.6:5005")
    return ",".join(_http_url(url) for url in urls)


def _redis_url(raw: str) -> str:
    if urlsplit(raw).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"{raw!r} is not a Redis URL; write e.g. redis://127.0.0.1:6379/0")
    return raw


def _database_url(raw: str) -> str:
    if "://" not in raw:
        raise ValueError(f"{raw!r} is not a database URL; write e.g. postgresql+psycopg://user:pw@host/daofu")
    return raw


def _channels(raw: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in wanted if name not in CHANNEL_NAMES]
    if unknown or not wanted:
        raise ValueError(f"unknown channels {unknown}; choose from {', '.join(CHANNEL_NAMES)}")
    return wanted


def _form_template(raw: str) -> str:
    try:
        raw.format(public_url="", matter_code="", guide_id="")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            f"{raw!r} is not a link template ({exc}); it may use {{public_url}}, {{matter_code}} and {{guide_id}}"
        ) from None
    return raw


def _duty_hours(raw: str) -> DutyHours:
    return parse_duty_hours(raw)


@dataclass(frozen=True)
class Variable:
    """One environment variable: where its value lands in :class:`Settings` and how it is read."""

    name: str
    attribute: str
    default: str  # as written in the README; "" for unset
    meaning: str
    parse: Callable[[str], Any] = _text
    secret: bool = False


# fmt: off
VARIABLES: tuple[Variable, ...] = (
    Variable("DAOFU_HOST", "host", "127.0.0.1",
             "address the service binds"),
    Variable("DAOFU_PORT", "port", "8000",
             "port the service binds", _port),
    Variable("DAOFU_PUBLIC_URL", "public_url_override", "http://$DAOFU_HOST:$DAOFU_PORT",
             "the service's public address, used in every link it gives out (forms, SMS)", _http_url),
    Variable("DAOFU_VAR_DIR", "var_dir", "./var",
             "databases, models, index and logs", _path),
    Variable("DAOFU_DATABASE_URL", "database_url_override", "sqlite:///var/knowledge.db",
             "the catalogue and the conversation records: any SQLAlchemy URL (PostgreSQL in production)",
             _database_url, secret=True),
    Variable("DAOFU_RASA_PORT", "rasa_port", "5005",
             "Rasa's port (always bound to 127.0.0.1)", _port),
    Variable("DAOFU_RASA_URL", "rasa_url_override", "http://127.0.0.1:$DAOFU_RASA_PORT",
             "an external Rasa instead of the one `daofu run` starts; several, comma-separated: each conversation "
             "keeps to one and moves to the next when it is down", _http_urls),
    Variable("DAOFU_RASA_TOKEN", "rasa_token", "",
             "Rasa's `--auth-token` for its HTTP API", secret=True),
    Variable("DAOFU_ACTION_TOKEN", "action_token", "",
             "shared secret Rasa sends to the service's action endpoint; unset: generated under var/secrets/",
             secret=True),
    Variable("DAOFU_TRACKER_DB_URL", "tracker_db_url", "SQLite under var/rasa/",
             "Rasa's tracker store, e.g. `postgresql://…`", _database_url, secret=True),
    Variable("DAOFU_LOCK_REDIS_URL", "lock_redis_url", "",
             "Rasa's lock store in Redis, for several Rasa instances", _redis_url, secret=True),
    Variable("DAOFU_REDIS_URL", "redis_url", "",
             "Redis for what several service instances share (widget pushes, WeChat de-duplication, nonces, "
             "options); unset: kept in the process, see `docs/production.md`", _redis_url, secret=True),
    Variable("DAOFU_RESTART_LIMIT", "restart_limit", "5",
             "crashes of Rasa or the service within DAOFU_RESTART_WINDOW after which `daofu run` gives up (exit 1); "
             "before that each crash is restarted after 1, 2, 4, 8 … s", _positive_int),
    Variable("DAOFU_RESTART_WINDOW", "restart_window", "600",
             "seconds over which `daofu run` counts a server's crashes", _seconds),
    Variable("DAOFU_FORM_URL_TEMPLATE", "portal_form_template", "{public_url}/forms/{matter_code}?guide={guide_id}",
             "the application-form link of a guide", _form_template),
    Variable("DAOFU_CHANNELS", "channels", "all",
             "which channels to serve, e.g. `widget,agent,forms,search_api`", _channels),
    Variable("DAOFU_ENCODER_THREADS", "encoder_threads", "2",
             "ONNX Runtime threads for embedding one question", _positive_int),
    Variable("DAOFU_RATE_LIMIT_PER_IP", "rate_limit_per_ip", "240",
             "requests a minute one client address may make on the public routes (429 beyond)", _positive_int),
    Variable("DAOFU_RATE_LIMIT_TURNS", "rate_limit_turns", "20",
             "messages a minute one conversation may send, on any channel", _positive_int),
    Variable("DAOFU_TURNS_IN_FLIGHT", "turns_in_flight", "2",
             "messages of one conversation answered at the same time; more wait for a reply first", _positive_int),
    Variable("DAOFU_PROXIES_COUNT", "proxies_count", "0",
             "reverse proxies in front of the service (nginx: 1); the client address is read behind them",
             _count),
    Variable("DAOFU_API_TOKENS", "api_tokens", "",
             "tokens of systems that may use /api/chat and /api/search; unset: only callers on this machine",
             secret=True),
    Variable("DAOFU_RETENTION_DAYS", "retention_days", "180",
             "days conversations and the words in records are kept; older ones are forgotten daily", _positive_int),
    Variable("DAOFU_WIDGET_ORIGINS", "widget_origins", "*",
             "page origins allowed to embed the chat widget, see `docs/widget.md`"),
    Variable("DAOFU_AGENT_TOKENS", "agent_tokens", "",
             "`agent_id:token,…` for the hotline console, see `docs/agent-console.md`", secret=True),
    Variable("DAOFU_AGENT_DUTY_HOURS", "agent_duty_hours", ALWAYS,
             "when agents take conversations over, Ningbo time, e.g. `mon-fri 08:30-17:30`; outside: 12345 and a "
             "call-back", _duty_hours),
    Variable("DAOFU_HANDOFF_TIMEOUT", "handoff_timeout", "180",
             "seconds a request for a person waits in the queue before the assistant offers 12345 and a call-back",
             _seconds),
    Variable("DAOFU_HANDOFF_WAIT_PER_PERSON", "handoff_wait_per_person", "120",
             "seconds of expected wait per person ahead in the queue, until agents' recent waits say otherwise",
             _seconds),
    Variable("DAOFU_WECHAT_TOKEN", "wechat_token", "",
             "the official account's server token; unset: `/wechat` answers 503 (see `docs/wechat.md`)", secret=True),
    Variable("DAOFU_WECHAT_APPID", "wechat_appid", "",
             "the official account's AppID"),
    Variable("DAOFU_WECHAT_AES_KEY", "wechat_aes_key", "",
             "the EncodingAESKey (safe mode)", secret=True),
    Variable("DAOFU_WECHAT_SECRET", "wechat_secret", "",
             "the AppSecret, for pushing answers slower than the reply deadline", secret=True),
    Variable("DAOFU_WECHAT_API_BASE", "wechat_api_base", "https://api.weixin.qq.com",
             "WeChat's API address (a local stand-in in tests)", _http_url),
    Variable("DAOFU_WECHAT_REPLY_DEADLINE", "wechat_reply_deadline", "4.5",
             "seconds to wait for the dialogue before replying later through the customer-service API", _seconds),
    Variable("DAOFU_WECHAT_REDIS_URL", "wechat_redis_url", "$DAOFU_REDIS_URL",
             "another Redis for WeChat de-duplication, nonces and numbered options than DAOFU_REDIS_URL",
             _redis_url, secret=True),
    Variable("DAOFU_WECHAT_DEDUPE_TTL", "wechat_dedupe_ttl", "300",
             "seconds an answer is kept for WeChat's retries of one message", _seconds),
    Variable("DAOFU_WECHAT_OPTIONS_TTL", "wechat_options_ttl", "1800",
             "seconds a numbered list of choices stays valid for a reply such as 1", _seconds),
    Variable("DAOFU_WECHAT_MAX_CLOCK_SKEW", "wechat_max_clock_skew", "240",
             "seconds a WeChat request's timestamp may differ from now; older or newer requests are refused", _seconds),
    Variable("DAOFU_WECHAT_ALLOW_PLAINTEXT", "wechat_allow_plaintext", "0",
             "1: accept plaintext messages although an AES key is set (during a migration only)", _flag),
    Variable("DAOFU_WECHAT_TEST_HOOKS", "wechat_test_hooks", "0",
             "tests only: a request may lower its own reply deadline", _flag),
    Variable("DAOFU_PG_BIN", "pg_bin", "/usr/lib/postgresql/15/bin",
             "PostgreSQL's programs (initdb, pg_ctl) for `daofu cluster`", _path),
    Variable("DAOFU_PYTHON_FALLBACK_DIRS", "python_fallback_dirs", "/usr/bin:/usr/local/bin",
             "where the setup looks for Python 3.10 and 3.11 after PATH and pyenv"),
)
# fmt: on


@dataclass(frozen=True)
class Settings:
    """Where things are and how the processes find each other; see :data:`VARIABLES`.

    ``Settings()`` is the embedded default, whatever the environment says; :func:`load_settings`
    (or :meth:`from_env`) reads the environment.
    """

    root: Path = PROJECT_ROOT
    var_dir: Path = PROJECT_ROOT / "var"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url_override: str = ""
    database_url_override: str = ""
    rasa_port: int = 5005
    rasa_url_override: str = ""
    rasa_token: str = ""
    action_token: str = ""
    tracker_db_url: str = ""
    lock_redis_url: str = ""
    redis_url: str = ""
    restart_limit: int = 5
    restart_window: float = 600.0
    portal_form_template: str = DEFAULT_FORM_URL_TEMPLATE
    channels: tuple[str, ...] = CHANNEL_NAMES
    encoder_threads: int = 2
    rate_limit_per_ip: int = 240
    rate_limit_turns: int = 20
    turns_in_flight: int = 2
    proxies_count: int = 0
    api_tokens: str = ""
    retention_days: int = 180
    widget_origins: str = "*"
    agent_tokens: str = ""
    agent_duty_hours: DutyHours = field(default_factory=lambda: parse_duty_hours(ALWAYS))
    handoff_timeout: float = 180.0
    handoff_wait_per_person: float = 120.0
    wechat_token: str = ""
    wechat_appid: str = ""
    wechat_aes_key: str = ""
    wechat_secret: str = ""
    wechat_api_base: str = DEFAULT_WECHAT_API_BASE
    wechat_reply_deadline: float = 4.5
    wechat_redis_url: str = ""
    wechat_dedupe_ttl: float = 300.0
    wechat_options_ttl: float = 1800.0
    wechat_max_clock_skew: float = 240.0
    wechat_allow_plaintext: bool = False
    wechat_test_hooks: bool = False
    pg_bin: Path = Path("/usr/lib/postgresql/15/bin")
    python_fallback_dirs: str = "/usr/bin:/usr/local/bin"
    # Variables that were set in the environment (names), e.g. to tell "unset" from "set to default".
    explicitly_set: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every variable of :data:`VARIABLES` from ``env`` (``os.environ`` by default).

        Empty values count as unset. ``overrides`` (e.g. ``port=8001`` from a command-line option)
        win over the environment. Raises :class:`SettingsError` naming the first bad variable.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        given: set[str] = set()
        for variable in VARIABLES:
            raw = env.get(variable.name, "").strip()
            if not raw:
                continue
            try:
                values[variable.attribute] = variable.parse(raw)
            except ValueError as exc:
                raise SettingsError(variable.name, str(exc)) from None
            given.add(variable.name)
        values.update(overrides)
        return cls(**values, explicitly_set=frozenset(given))

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (command-line options, test ports)."""
        return dataclasses.replace(self, **changes)

    def is_set(self, name: str) -> bool:
        """Whether the environment variable ``name`` was given (not just defaulted)."""
        return name in self.explicitly_set

    @property
    def database_url(self) -> str:
        return self.database_url_override or f"sqlite:///{self.var_dir / 'knowledge.db'}"

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        """Every Rasa instance the service talks to (``DAOFU_RASA_URL`` may name several)."""
        if self.rasa_url_override:
            return tuple(self.rasa_url_override.split(","))
        return (f"http://127.0.0.1:{self.rasa_port}",)

    @property
    def rasa_url(self) -> str:
        """The first Rasa instance (the only one unless ``DAOFU_RASA_URL`` names several)."""
        return self.rasa_urls[0]

    @property
    def public_url(self) -> str:
        return self.public_url_override or f"http://{self.host}:{self.port}"

    @property
    def model_dir(self) -> Path:
        return self.var_dir / "models" / "multilingual-e5-small"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"

    @property
    def rasa_model_dir(self) -> Path:
        return self.var_dir / "rasa-models"

    @property
    def wheel_cache(self) -> Path:
        return self.var_dir / "cache" / "wheels"

    @property
    def logs_dir(self) -> Path:
        return self.var_dir / "logs"

    def shown(self) -> list[tuple[str, str]]:
        """(variable, value in effect) for every variable, secrets replaced by ``(set)``."""
        rows = []
        for variable in VARIABLES:
            value = getattr(self, variable.attribute)
            if variable.secret and value:
                text = "(set)"
            elif isinstance(value, tuple):
                text = ",".join(value)
            elif isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, DutyHours):
                text = ", ".join(
                    f"{DAYS_SHORT[span.days[0]]}-{DAYS_SHORT[span.days[-1]]} {span.describe().split()[-1]}"
                    for span in value.spans
                )
            else:
                text = str(value)
            rows.append((variable.name, text))
        return rows


def load_settings() -> Settings:
    """Read the settings from the environment now (tests change it between runs)."""
    return Settings.from_env()
