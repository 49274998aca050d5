"""Local secrets for the embedded default: generated once, kept under ``var/secrets/``, owner-only.

On one machine nobody should have to invent tokens before the first start, yet every internal
route must still be authenticated. When a secret's variable is unset, the processes that share it
read it from the same file under ``var/secrets/`` (created with mode 0600 in a 0700 folder on first
use). Production sets the variables instead, and the files are never read.

Example::

    token = settings.action_token or local_secret(settings.var_dir, "action-token")
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from daofu.config import Settings
from daofu.errors import DaofuError

SECRETS_DIR = "secrets"
# Rasa sends the action token in this header (its endpoints.yml); the service's action endpoint checks it.
ACTION_TOKEN_HEADER = "X-Daofu-Action-Token"


class SecretFileError(DaofuError):
    """A secret file exists but cannot be used (unreadable, empty, or readable by others)."""


def local_secret(var_dir: Path, name: str, nbytes: int = 32) -> str:
    """The secret ``name`` under ``var_dir/secrets``, created (random, owner-only) if missing."""
    directory = var_dir / SECRETS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    path = directory / name
    if not path.exists():
        _create_whole(path, secrets.token_urlsafe(nbytes))
    return _read(path)


def _create_whole(path: Path, value: str) -> None:
    """Write ``value`` to a private temporary file and link it in as ``path``.

    Processes that start together (two service instances, Rasa and the service) must all read
    one secret: a file created empty and written afterwards would be read empty by the second
    process in between. A link appears whole or not at all, and when two processes race, the first
    link wins and the other's value is dropped unused.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
        with contextlib.suppress(FileExistsError):  # another process linked its secret first
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _read(path: Path) -> str:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SecretFileError(f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}`")
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 16:
        raise SecretFileError(f"{path} holds no usable secret; delete it and start again to make a new one")
    return value


def action_token(settings: Settings) -> str:
    """The secret shared by Rasa and the service's action endpoint."""
    return settings.action_token or local_secret(settings.var_dir, "action-token")


def rasa_token(settings: Settings) -> str:
    """Rasa's ``--auth-token``: its HTTP API (trackers, events, status) is never open without one."""
    return settings.rasa_token or local_secret(settings.var_dir, "rasa-token")
