"""Settings, read once from the environment with embedded defaults.

Every default works on a single machine with nothing but SQLite: the catalogue and the
conversation store live under ``var/``; Rasa and the service bind to loopback. Production
overrides the same names from the environment (``DAOFU_DATABASE_URL`` for PostgreSQL,
``DAOFU_RASA_URL`` for a Rasa cluster behind a load balancer, …). Standard library only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number; set it to a port or count") from None


@dataclass(frozen=True)
class Settings:
    """Where things are and how the processes find each other."""

    root: Path = PROJECT_ROOT
    var_dir: Path = field(default_factory=lambda: Path(_env("DAOFU_VAR_DIR", str(PROJECT_ROOT / "var"))))
    host: str = field(default_factory=lambda: _env("DAOFU_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("DAOFU_PORT", 8000))
    rasa_port: int = field(default_factory=lambda: _env_int("DAOFU_RASA_PORT", 5005))
    rasa_url_override: str = field(default_factory=lambda: _env("DAOFU_RASA_URL", ""))
    database_url_override: str = field(default_factory=lambda: _env("DAOFU_DATABASE_URL", ""))
    portal_form_template: str = field(
        default_factory=lambda: _env(
            "DAOFU_FORM_URL_TEMPLATE", "{public_url}/forms/{matter_code}?guide={guide_id}"
        )
    )
    public_url_override: str = field(default_factory=lambda: _env("DAOFU_PUBLIC_URL", ""))

    @property
    def database_url(self) -> str:
        return self.database_url_override or f"sqlite:///{self.var_dir / 'knowledge.db'}"

    @property
    def rasa_url(self) -> str:
        return self.rasa_url_override or f"http://127.0.0.1:{self.rasa_port}"

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


def load_settings() -> Settings:
    """Read the settings now (tests change the environment between runs)."""
    return Settings()
