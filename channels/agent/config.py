"""Agent tokens from ``DAOFU_AGENT_TOKENS`` (``"agent_id:token,agent_id2:token2"``).

When the variable is unset, the local agent token that ``daofu run`` made under ``var/secrets/``
(:mod:`daofu.local_agent`) is used, so the console works on the embedded default. No tokens at all
means no console: its API answers 503 saying so, and the rest of the service runs. A
malformed value stops the service at start with a one-line error naming the variable
(:class:`~daofu.config.SettingsError`), rather than running with a console nobody can use.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field

from daofu.config import Settings, SettingsError
from daofu.errors import DaofuError
from daofu.local_agent import SecretFileError, read_local_token

AGENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MIN_TOKEN_CHARS = 12
ENV_NAME = "DAOFU_AGENT_TOKENS"


class AgentConfigError(DaofuError):
    """DAOFU_AGENT_TOKENS is set but cannot be used."""


@dataclass(frozen=True)
class AgentDirectory:
    """Who may use the console: token → agent id."""

    tokens: dict[str, str] = field(default_factory=dict)
    problem: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.tokens)

    def agent_for(self, token: str) -> str | None:
        """The agent whose token this is; every token is compared in constant time."""
        found = None
        for known, agent_id in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = agent_id
        return found


def parse_tokens(raw: str) -> dict[str, str]:
    """``"a1:tok1,a2:tok2"`` → ``{"tok1": "a1", "tok2": "a2"}``, or :class:`AgentConfigError`."""
    tokens: dict[str, str] = {}
    agents: set[str] = set()
    for number, item in enumerate((part.strip() for part in raw.split(",")), 1):
        if not item:
            continue
        agent_id, sep, token = item.partition(":")
        agent_id, token = agent_id.strip(), token.strip()
        if not sep or not agent_id or not token:
            raise AgentConfigError(f"{ENV_NAME}: entry {number} is not agent_id:token")
        if not AGENT_ID.fullmatch(agent_id):
            raise AgentConfigError(
                f"{ENV_NAME}: agent id {agent_id!r} may hold only letters, digits, '.', '_' and '-' (at most 64)"
            )
        if len(token) < MIN_TOKEN_CHARS or not token.isascii() or not token.isprintable() or " " in token:
            raise AgentConfigError(
                f"{ENV_NAME}: the token of {agent_id} must be at least {MIN_TOKEN_CHARS} printable ASCII characters "
                "without spaces"
            )
        if agent_id in agents:
            raise AgentConfigError(f"{ENV_NAME}: agent id {agent_id} appears twice")
        if token in tokens:
            raise AgentConfigError(f"{ENV_NAME}: two agents share one token; give each agent its own")
        agents.add(agent_id)
        tokens[token] = agent_id
    return tokens


def load_agent_directory(settings: Settings) -> AgentDirectory:
    """The agents of ``settings.agent_tokens``; :class:`SettingsError` when the value is malformed."""
    raw = settings.agent_tokens
    if not raw.strip():
        try:
            local = read_local_token(settings)
        except SecretFileError as exc:
            return AgentDirectory(problem=f"the local agent token cannot be used: {exc}")
        if local is not None:
            return AgentDirectory(tokens={local.token: local.agent_id})
        return AgentDirectory(
            problem=f"no agent tokens are configured; set {ENV_NAME}=agent_id:token,… or start with `daofu run`, "
            "which makes a local token under var/"
        )
    try:
        return AgentDirectory(tokens=parse_tokens(raw))
    except AgentConfigError as exc:
        raise SettingsError(ENV_NAME, str(exc).removeprefix(f"{ENV_NAME}: ")) from None
