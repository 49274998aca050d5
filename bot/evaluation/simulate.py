"""One simulated citizen: asks one question through ``/api/chat`` and follows the conversation.

The citizen behaves as a person who knows what they need but not its official name:

* asks the question, in a fresh conversation (its own sender);
* when asked for the district, presses the button of the question's ``region`` (the first district
  when the question names none);
* when the choices include a matter it needs (``expected``), presses that choice;
* stops at the first guide on screen (a guide card, an answer about one of its aspects, or a form
  hand-off): a success when its matter is expected, else the wrong guide;
* stops when refused ("不在政务服务范围内"), told nothing was found, offered only other matters,
  or given something it cannot act on; and after ``max_replies`` replies of the assistant.

A question without an expected matter (a negative) is asked once: it is handled when the reply
shows no guide and offers no matter to choose: it says the question is out of scope or that nothing
was found (counted apart), or it answers small talk ("你好", "谢谢") in kind.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import httpx

from bot.evaluation.replies import MatterLookup, Offered, Reply, read_reply
from daofu.errors import DaofuError
from indexer.evaluate import EvaluationInputError, read_queries
from indexer.questions import question_rows

MAX_REPLIES = 3
RETRIES_WHEN_BUSY = 5  # 429/503 answers waited out before a conversation counts as failed


class Outcome(Enum):
    """How one conversation ended."""

    SUCCESS = "success"
    WRONG_GUIDE = "wrong_guide"  # a guide on screen, not an expected one
    NOT_OFFERED = "not_offered"  # choices offered, none of them expected
    OUT_OF_SCOPE = "out_of_scope"  # an in-scope need told "不在政务服务范围内"
    NO_MATCH = "no_match"  # an in-scope need told no guide was found
    NO_DISTRICT = "no_district"  # asked for a district the question's region is not among
    STUCK = "stuck"  # a reply the citizen cannot act on, or still no guide after the last reply
    ERROR = "error"  # the service did not answer
    NEGATIVE_REFUSED = "negative_refused"  # no guide: "out of scope" or "nothing found"
    NEGATIVE_TALK = "negative_talk"  # no guide and no matters offered: a greeting, small talk, "不客气"
    NEGATIVE_GUIDE = "negative_guide"  # a guide shown for a question nothing answers
    NEGATIVE_CHOICES = "negative_choices"  # matters offered to choose from for a question nothing answers


@dataclass(frozen=True)
class DialogueQuestion:
    id: str
    query: str
    expected: tuple[str, ...]  # canonical matter names, best first; empty: nothing answers it
    region: str | None
    kind: str | None  # the question file's ``kind`` (long, elder, …), to break results down

    @property
    def negative(self) -> bool:
        return not self.expected


@dataclass
class Conversation:
    """What happened to one question."""

    question: DialogueQuestion
    outcome: Outcome = Outcome.STUCK
    replies: int = 0  # replies of the assistant read
    shown: str | None = None  # the matter on screen at the end (name), if any
    steps: list[str] = field(default_factory=list)  # readable trace, one line per reply

    @property
    def success(self) -> bool:
        return self.outcome in (Outcome.SUCCESS, Outcome.NEGATIVE_REFUSED, Outcome.NEGATIVE_TALK)


def read_questions(path: Path, lookup: MatterLookup) -> list[DialogueQuestion]:
    """The labelled questions of ``path``; every expected name must be a matter of the catalogue."""
    kinds = {str(row.get("id", number)): row.get("kind") for number, row in question_rows(path)}
    questions = []
    for labelled in read_queries(path):
        unknown = [name for name in labelled.expected if name not in lookup.codes]
        if unknown:
            raise EvaluationInputError(
                f"{path}: question {labelled.id} expects {', '.join(unknown)}, not a matter of the catalogue; "
                "write the canonical matter name (daofu guide show --name …) or rebuild the catalogue"
            )
        kind = kinds.get(labelled.id)
        questions.append(
            DialogueQuestion(
                labelled.id, labelled.query, labelled.expected, labelled.region, kind if isinstance(kind, str) else None
            )
        )
    return questions


class ChatError(DaofuError):
    """The service refused or failed a turn of the simulated conversation."""


class ChatClient:
    """``POST /api/chat`` with a bearer token when given; waits out 429 and 503 answers."""

    def __init__(self, client: httpx.AsyncClient, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def turn(self, sender: str, message: str, payload: str | None = None) -> list[dict]:
        body: dict[str, str] = {"sender": sender, "message": message}
        if payload is not None:
            body["payload"] = payload
        for attempt in range(RETRIES_WHEN_BUSY + 1):
            try:
                response = await self.client.post("/api/chat", json=body, headers=self.headers)
            except httpx.HTTPError as exc:
                raise ChatError(f"no answer from {self.client.base_url}: {exc}") from None
            if response.status_code in (429, 503) and attempt < RETRIES_WHEN_BUSY:
                await asyncio.sleep(_retry_after(response, attempt))
                continue
            if response.status_code != 200:
                raise ChatError(f"/api/chat answered {response.status_code}: {response.text[:200]}")
            messages = response.json().get("messages")
            return messages if isinstance(messages, list) else []
        raise AssertionError("unreachable")


def _retry_after(response: httpx.Response, attempt: int) -> float:
    try:
        return min(60.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return 2.0**attempt


async def play(
    chat: ChatClient, question: DialogueQuestion, lookup: MatterLookup, max_replies: int = MAX_REPLIES
) -> Conversation:
    """Ask ``question`` in a fresh conversation and follow it (see the module docstring)."""
    conversation = Conversation(question)
    sender = f"eval-{uuid.uuid4().hex[:12]}"
    expected = [lookup.codes[name] for name in question.expected]
    message, payload = question.query, None
    try:
        while conversation.replies < max_replies:
            reply = read_reply(await chat.turn(sender, message, payload), lookup)
            conversation.replies += 1
            step = _next_step(conversation, reply, expected, lookup)
            if step is None:
                return conversation
            message, payload = step.title, step.payload
    except ChatError as exc:
        conversation.outcome = Outcome.ERROR
        conversation.steps.append(str(exc))
        return conversation
    conversation.outcome = Outcome.STUCK
    conversation.steps.append(f"no guide after {max_replies} replies")
    return conversation


def _next_step(conversation: Conversation, reply: Reply, expected: list[str], lookup: MatterLookup) -> Offered | None:
    """Record ``reply`` and decide the citizen's answer to it; None ends the conversation."""
    question, say = conversation.question, conversation.steps.append
    if reply.shown:
        names = [lookup.names[code] for code in reply.shown]
        right = next((code for code in reply.shown if code in expected), None)
        conversation.shown = lookup.names[right] if right else names[0]
        say(f"guide: {'、'.join(names)}")
        if question.negative:
            conversation.outcome = Outcome.NEGATIVE_GUIDE
        else:
            conversation.outcome = Outcome.SUCCESS if right else Outcome.WRONG_GUIDE
        return None
    if question.negative:
        if reply.out_of_scope or reply.no_match:
            conversation.outcome = Outcome.NEGATIVE_REFUSED
        else:
            conversation.outcome = Outcome.NEGATIVE_CHOICES if reply.choices else Outcome.NEGATIVE_TALK
        say(_gist(reply))
        return None
    if reply.out_of_scope:
        conversation.outcome = Outcome.OUT_OF_SCOPE
        say(_gist(reply))
        return None
    choice = reply.choice_for(expected)
    if choice is not None:
        say(f"choices: {_titles(reply.choices)} → pressed 「{choice.title}」")
        return choice
    if reply.asks_district:
        button = reply.district_button(question.region)
        if button is None:
            conversation.outcome = Outcome.NO_DISTRICT
            say(f"district question without {question.region}: {_titles(reply.districts)}")
            return None
        say(f"district question → {button.title}")
        return button
    if reply.no_match:
        conversation.outcome = Outcome.NO_MATCH
        say(_gist(reply))
        return None
    if reply.choices:
        conversation.outcome = Outcome.NOT_OFFERED
        say(f"choices without the expected matter: {_titles(reply.choices)}")
        return None
    conversation.outcome = Outcome.STUCK
    say(_gist(reply))
    return None


def _titles(buttons: tuple[Offered, ...]) -> str:
    return " | ".join(button.title for button in buttons)


def _gist(reply: Reply, limit: int = 80) -> str:
    text = " ".join(reply.text.split())
    return text[:limit] + ("…" if len(text) > limit else "")
