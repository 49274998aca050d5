"""A hotline agent token for the machine it runs on, so the console works on the embedded default.

Production names its agents in ``DAOFU_AGENT_TOKENS``. Without it, the first ``daofu run`` (what
``./scripts/run.sh`` starts) makes one random token for the agent ``local-agent`` and keeps it in
``var/agent-token``, readable only by its owner (mode 0600); later runs reuse it. The "ready:"
banner says where the console is and how to log in, and the service reads the file when
``DAOFU_AGENT_TOKENS`` is unset. A token file that others may read is refused (and replaced), as a
leaked key would be.

Example::

    login = ensure_local_agent_token(settings)   # None when DAOFU_AGENT_TOKENS is set
    login.path, login.agent_id                   # (PosixPath('…/var/agent-token'), 'local-agent')
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from daofu.config import Settings

log = logging.getLogger(__name__)

LOCAL_AGENT_ID = "local-agent"
TOKEN_FILE = "agent-token"
TOKEN_BYTES = 24  # 32 URL-safe characters


@dataclass(frozen=True)
class LocalLogin:
    agent_id: str
    token: str
    path: Path


def token_path(settings: Settings) -> Path:
    return settings.var_dir / TOKEN_FILE


def _owner_only(path: Path) -> bool:
    mode = path.stat().st_mode
    return not mode & (stat.S_IRWXG | stat.S_IRWXO) and path.stat().st_uid == os.getuid()


def read_local_token(settings: Settings) -> LocalLogin | None:
    """The local agent's login when its file exists, is readable only by its owner and holds a token."""
    path = token_path(settings)
    try:
        if not path.is_file() or not _owner_only(path):
            return None
        token = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return LocalLogin(LOCAL_AGENT_ID, token, path) if len(token) >= 16 and " " not in token else None


def ensure_local_agent_token(settings: Settings) -> LocalLogin | None:
    """The local agent's login, made on first use; None when ``DAOFU_AGENT_TOKENS`` names the agents."""
    if settings.agent_tokens.strip():
        return None
    existing = read_local_token(settings)
    if existing is not None:
        return existing
    path = token_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        log.warning("%s was readable by others or unusable; a new agent token replaces it", path)
        path.unlink()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    log.info("made a local agent token in %s", path)
    return LocalLogin(LOCAL_AGENT_ID, token, path)


def login_hint(login: LocalLogin | None) -> str:
    """The banner's line on how to log in to the console."""
    if login is None:
        return "log in with your token from DAOFU_AGENT_TOKENS"
    return f"log in as {login.agent_id} with the token in {login.path} (only you can read it: cat {login.path})"
