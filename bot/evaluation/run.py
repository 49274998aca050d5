"""Running many simulated conversations at once, against running servers or a pair started for it.

Started servers get a scratch runtime folder (:func:`daofu.processes.make_runtime_dir`): the built
model, index and dialogue model are linked, the catalogue is copied, and the conversations go to
fresh databases that are deleted afterwards, so an evaluation never adds to a developer's records.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
from tqdm import tqdm

from bot.evaluation.replies import MatterLookup
from bot.evaluation.simulate import ChatClient, Conversation, DialogueQuestion, play
from daofu.config import Settings
from daofu.ports import free_port
from daofu.processes import ServerPair, make_runtime_dir

log = logging.getLogger(__name__)

# The evaluation is one client asking hundreds of questions: the per-address limit is for people.
EVALUATION_ENV = {"DAOFU_RATE_LIMIT_PER_IP": "1000000", "DAOFU_RATE_LIMIT_TURNS": "100000"}
TURN_TIMEOUT = 120.0  # seconds; two busy cores can make one turn slow, never this slow


@contextlib.contextmanager
def local_servers(settings: Settings) -> Iterator[str]:
    """Start Rasa and the service on free ports over a scratch copy of ``settings.var_dir``; yield the
    service's URL; stop both afterwards."""
    with tempfile.TemporaryDirectory(prefix="daofu-eval-") as scratch:
        runtime = make_runtime_dir(Path(scratch) / "var", settings.var_dir)
        scratch_settings = replace(
            settings, var_dir=runtime, port=free_port(), rasa_port=free_port(),
            database_url_override="", tracker_db_url="", rasa_url_override="",
        )  # fmt: skip
        env = {**EVALUATION_ENV, "DAOFU_DATABASE_URL": scratch_settings.database_url, "DAOFU_TRACKER_DB_URL": ""}
        log.info("starting Rasa and the service for the evaluation (logs in %s)", runtime / "logs")
        with ServerPair(scratch_settings, extra_env=env) as servers:
            yield servers.service_url


def run_conversations(
    url: str,
    questions: list[DialogueQuestion],
    lookup: MatterLookup,
    *,
    token: str | None = None,
    concurrency: int = 4,
    max_replies: int = 3,
    progress: bool = True,
) -> list[Conversation]:
    """Play every question (``concurrency`` conversations at a time); results in question order."""
    return asyncio.run(_run(url, questions, lookup, token, concurrency, max_replies, progress))


async def _run(
    url: str,
    questions: list[DialogueQuestion],
    lookup: MatterLookup,
    token: str | None,
    concurrency: int,
    max_replies: int,
    progress: bool,
) -> list[Conversation]:
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=TURN_TIMEOUT, limits=limits) as client:
        chat = ChatClient(client, token)

        async def one(question: DialogueQuestion) -> Conversation:
            async with gate:
                return await play(chat, question, lookup, max_replies)

        tasks = [asyncio.ensure_future(one(question)) for question in questions]
        with tqdm(total=len(tasks), desc="conversations", unit="q", disable=not progress) as bar:
            for finished in asyncio.as_completed(tasks):
                await finished
                bar.update()
        return [task.result() for task in tasks]
