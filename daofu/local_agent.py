"""A hotline agent token for the machine it runs on, so the console works on the embedded default.

Production names its agents in ``DAOFU_AGENT_TOKENS``. Without it, the first ``daofu run`` (what
``./scripts/run.sh`` starts) makes one random token for the agent ``local-agent`` as a local secret
(:mod:`daofu.secrets`: ``var/secrets/agent-token``, mode 0600 in a 0700 folder); later runs reuse
it. The "ready:" banner says where the console is and how to log in, and the service reads the file
when ``DAOFU_AGENT_TOKENS`` is unset. A token file that others may read is refused, as a leaked key
would be (the error says how to fix it).

Example::

    login = ensure_local_agent_token(settings)   # None when DAOFU_AGENT_TOKENS is set
    login.path, login.agent_id                   # (PosixPath('…/var/secrets/agent-token'), 'local-agent')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from daofu.config import Settings
from daofu.secrets import SECRETS_DIR, SecretFileError, local_secret

LOCAL_AGENT_ID = "local-agent"
TOKEN_FILE = "agent-token"


@dataclass(frozen=True)
class LocalLogin:
    agent_id: str
    token: str
    path: Path


def token_path(settings: Settings) -> Path:
    return settings.var_dir / SECRETS_DIR / TOKEN_FILE


def read_local_token(settings: Settings) -> LocalLogin | None:
    """The local agent's login when ``daofu run`` made one; :class:`SecretFileError` when it is unsafe."""
    path = token_path(settings)
    if not path.is_file():
        return None
    return LocalLogin(LOCAL_AGENT_ID, local_secret(settings.var_dir, TOKEN_FILE), path)


def ensure_local_agent_token(settings: Settings) -> LocalLogin | None:
    """The local agent's login, made on first use; None when ``DAOFU_AGENT_TOKENS`` names the agents."""
    if settings.agent_tokens.strip():
        return None
    token = local_secret(settings.var_dir, TOKEN_FILE, nbytes=24)
    return LocalLogin(LOCAL_AGENT_ID, token, token_path(settings))


def login_hint(login: LocalLogin | None) -> str:
    """The banner's line on how to log in to the console."""
    if login is None:
        return "log in with your token from DAOFU_AGENT_TOKENS"
    return f"log in as {login.agent_id} with the token in {login.path} (only you can read it: cat {login.path})"


__all__ = ["LocalLogin", "SecretFileError", "ensure_local_agent_token", "login_hint", "read_local_token"]
