"""The conversation gate: every channel's turn goes through here before it may reach the dialogue.

One place decides what a person's message is for, so that no channel can get it wrong:

1. **Payloads only from buttons the service offered.** Rasa reads ``/intent{…}`` without NLU, so a
   typed ``/rate_service{"rating":"5"}`` would forge a rating and ``/human_handoff`` a hand-off.
   Typed text never becomes a payload (a leading ``/`` is dropped); a button's payload is used only
   when the service offered it to this sender (:class:`OfferedPayloads`) or the channel itself
   defines it (a WeChat menu key); otherwise the button's title is sent as text.
2. **The service's own follow-ups** (:mod:`daofu.followups`): 预约回电 and the number that follows,
   and the reason after a 差评, are answered here and never classified.
3. **An agent holds the conversation** (:meth:`ConversationRecords.held_handoff`): the message goes
   to the agent's transcript and to Rasa's tracker as an event; the assistant stays silent.
4. Otherwise it is a **dialogue turn** (:class:`~channels.dialogue.DialogueClient`); what the turn
   offered, reached (guide, form, hand-off) and asked (a rating) is recorded for the next message
   and for the monthly report.
5. **好差评 after the form opens**: where the channel tells when the person opened the application
   form (the widget does), the rating request of a 去办理 turn is held back and asked when the form
   is opened (:meth:`ConversationGate.form_opened`), not right after 去办理.

Example::

    gate = ConversationGate(lambda: dialogue, services.records, push, services.settings)
    messages = await gate.turn("web-…", Incoming("非常满意", payload='/rate_service{"rating":"5"}'), metadata)
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy.exc import InterfaceError, OperationalError

from channels.dialogue import DialogueUnavailable, bot_event, typed, user_event
from channels.limits import RateLimiter, TurnLimits
from channels.push import Push
from daofu.config import Settings
from daofu.followups import (
    CALLBACK_CANCELLED,
    CALLBACK_CONSENT,
    CALLBACK_NOT_A_NUMBER,
    CANCEL_WORDS,
    REASON_THANKS,
    callback_registered,
    read_service_payload,
)
from daofu.masking import LANDLINE_NUMBER, MOBILE_NUMBER, log_id, mask_pii
from daofu.messages import (
    BotMessage,
    FormHandoff,
    GuideCard,
    HumanHandoff,
    RatingRequest,
    Text,
    choices_of,
)
from daofu.records import ConversationRecords, Expecting, HandoffEventKind

log = logging.getLogger(__name__)


class RecordsUnavailable(DialogueUnavailable):
    """The database of the conversation records cannot be reached (down, restarting).

    A turn cannot be answered without it, just as without Rasa, so every channel says the same
    "稍后再试" it says when Rasa is down; the turn is not half-done, and the next one after the
    database is back works (the engine reconnects, ``pool_pre_ping``).
    """


MAX_OFFERED_SENDERS = 20_000
MAX_OFFERED_PER_SENDER = 64
EMPTY_TEXT = "请用文字告诉我您想办的事，例如“身份证快到期了怎么换”。"
# Channels that say when the person opened the application form (the widget's link click).
FORM_OPEN_CHANNELS = ("widget",)


class Dialogue(Protocol):
    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotMessage]: ...

    async def append(self, sender: str, events: Any) -> None: ...


@dataclass(frozen=True)
class Incoming:
    """What a person sent: ``text`` typed (or a button's title), ``payload`` when a button was chosen.

    ``trusted`` marks a payload the channel itself defines (a WeChat menu key), not one from a page.
    """

    text: str
    payload: str | None = None
    trusted: bool = False


class OfferedPayloads:
    """The payloads the service offered each sender lately (buttons, numbered options, rating levels).

    Kept in this process, bounded in senders and payloads per sender. After a restart an old
    button's payload is not recognised and its title goes to the dialogue as text instead, which
    the NLU understands; several service instances need a shared store behind the same methods.
    """

    def __init__(self, max_senders: int = MAX_OFFERED_SENDERS, per_sender: int = MAX_OFFERED_PER_SENDER) -> None:
        self._offered: OrderedDict[str, list[str]] = OrderedDict()
        self._max_senders = max_senders
        self._per_sender = per_sender

    def remember(self, sender: str, payloads: Iterable[str]) -> None:
        fresh = [p for p in payloads if p]
        if not fresh:
            return
        known = [p for p in self._offered.pop(sender, []) if p not in fresh] + fresh
        self._offered[sender] = known[-self._per_sender :]
        while len(self._offered) > self._max_senders:
            self._offered.popitem(last=False)

    def allows(self, sender: str, payload: str) -> bool:
        return payload in self._offered.get(sender, ())


def find_phone(text: str) -> str | None:
    """A mobile or landline number in ``text`` (the first one), or None."""
    value = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    for pattern in (MOBILE_NUMBER, LANDLINE_NUMBER):
        match = pattern.search(value)
        if match is not None:
            return match.group(0)
    return None


def outcomes_of(messages: Iterable[BotMessage]) -> tuple[set[str], list[tuple[str, str]]]:
    """What a turn reached (guide, form, handoff) and the matters of its guides and forms."""
    outcomes: set[str] = set()
    matters: list[tuple[str, str]] = []
    for message in messages:
        if isinstance(message, GuideCard):
            outcomes.add("guide")
            matters.append(("guide", message.matter_code))
        elif isinstance(message, FormHandoff):
            outcomes.add("form")
            matters.append(("form", message.matter_code))
        elif isinstance(message, HumanHandoff):
            outcomes.add("handoff")
    return outcomes, matters


class ConversationGate:
    """See the module docstring; one per service process, built by ``channels.app.create_app``."""

    def __init__(
        self,
        dialogue: Callable[[], Dialogue],
        records: ConversationRecords,
        push: Push,
        settings: Settings,
        offered: OfferedPayloads | None = None,
    ) -> None:
        self._dialogue = dialogue
        self.records = records
        self.push = push
        self.settings = settings
        self.offered = offered or OfferedPayloads()
        self.limits = TurnLimits(RateLimiter(settings.rate_limit_turns), settings.turns_in_flight)
        # Rating requests held back until the person opens the form (sender → request), bounded.
        self._owed: OrderedDict[str, RatingRequest] = OrderedDict()

    @property
    def dialogue(self) -> Dialogue:
        return self._dialogue()

    async def _db(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(partial(call, *args, **kwargs))
        except (OperationalError, InterfaceError) as exc:
            log.warning("gate: the database is unavailable: %s", exc.orig)
            raise RecordsUnavailable("the conversation records' database is unavailable; try again shortly") from None

    def content_of(self, sender: str, incoming: Incoming) -> tuple[str, bool]:
        """(what goes on, whether it is a payload the service stands behind)."""
        if incoming.payload:
            if incoming.trusted or self.offered.allows(sender, incoming.payload):
                return incoming.payload, True
            log.info("gate %s: a payload the service did not offer was sent as its title", log_id(sender))
        return typed(incoming.text), False

    async def turn(self, sender: str, incoming: Incoming, metadata: dict[str, Any]) -> list[BotMessage]:
        """The bot's answer to one message (empty while an agent holds the conversation).

        Raises :class:`~channels.limits.TooManyTurns` when the conversation sends faster than the
        settings allow (``DAOFU_RATE_LIMIT_TURNS``, ``DAOFU_TURNS_IN_FLIGHT``).
        """
        async with self.limits.turn(sender):
            return await self._turn(sender, incoming, metadata)

    async def _turn(self, sender: str, incoming: Incoming, metadata: dict[str, Any]) -> list[BotMessage]:
        channel = str(metadata.get("channel") or "api")
        content, from_button = self.content_of(sender, incoming)
        if not content:
            return [Text(EMPTY_TEXT)]
        service = read_service_payload(content) if from_button else None
        if service is not None:
            return await self._service_payload(sender, channel, service.kind, service.category, incoming, metadata)
        expectation = await self._db(self.records.expectation, sender)
        if expectation is not None:
            handled = await self._expected(sender, channel, expectation.kind, expectation.ref_id, content,
                                           from_button, metadata)  # fmt: skip
            if handled is not None:
                return handled
        held = await self._db(self.records.held_handoff, sender)
        if held is not None:
            shown = incoming.text.strip() or content
            await self._db(self.records.add_handoff_message, held.id, HandoffEventKind.CITIZEN, shown)
            await self.dialogue.append(sender, [user_event(shown, metadata)])
            log.info("gate %s: relayed to agent %s (hand-off %d)", log_id(sender), held.taken_by, held.id)
            return []
        messages = await self.dialogue.send(sender, content, metadata)
        if channel in FORM_OPEN_CHANNELS and any(isinstance(m, FormHandoff) for m in messages):
            owed = [m for m in messages if isinstance(m, RatingRequest)]
            if owed:
                messages = [m for m in messages if not isinstance(m, RatingRequest)]
                self._owed[sender] = owed[0]
                while len(self._owed) > MAX_OFFERED_SENDERS:
                    self._owed.popitem(last=False)
        await self.after_turn(sender, channel, messages)
        return messages

    async def form_opened(self, sender: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """The person opened the application form: now ask for the 好差评 held back from 去办理."""
        request = self._owed.pop(sender, None)
        if request is None:
            return []
        try:
            await self.dialogue.append(sender, [bot_event(request)])
        except DialogueUnavailable as exc:
            log.warning("gate %s: the rating request is not in the tracker: %s", log_id(sender), exc)
        await self.after_turn(sender, str(metadata.get("channel") or "widget"), [request], count=False, occasion="form")
        return [request]

    async def after_turn(
        self, sender: str, channel: str, messages: list[BotMessage], count: bool = True, occasion: str | None = None
    ) -> None:
        """Remember what the turn offered, asked and reached (also for messages the service pushed)."""
        self.offered.remember(sender, [choice.payload for m in messages for choice in choices_of(m)])
        if any(isinstance(m, RatingRequest) for m in messages):
            if occasion is None:
                occasion = "form" if any(isinstance(m, FormHandoff) for m in messages) else "dialogue"
            matter = next((m.matter_code for m in messages if isinstance(m, FormHandoff)), None)
            await self._db(self.records.open_rating_request, sender, channel, occasion, matter)
        if count:
            outcomes, matters = outcomes_of(messages)
            await self._db(self.records.note_turn, sender, channel, outcomes, matters)

    async def say(
        self, sender: str, channel: str, said: str, replies: list[BotMessage], metadata: dict[str, Any]
    ) -> None:
        """Record a turn the service answered itself in Rasa's tracker (masked: it may hold a number)."""
        events = [user_event(mask_pii(said), metadata), *(bot_event(m) for m in replies)]
        await self.dialogue.append(sender, events)
        await self.after_turn(sender, channel, replies)

    async def _service_payload(
        self, sender: str, channel: str, kind: str, category: str | None, incoming: Incoming, metadata: dict[str, Any]
    ) -> list[BotMessage]:
        if kind == "callback":
            handoff = await self._db(self.records.active_handoff, sender)
            callback = await self._db(
                self.records.ask_callback, sender, channel, "request",
                handoff.matter_code if handoff else None, handoff.region if handoff else None,
            )  # fmt: skip
            await self._db(self.records.expect, sender, Expecting.CALLBACK_PHONE, callback.id)
            replies: list[BotMessage] = [Text(CALLBACK_CONSENT)]
        else:
            pending = await self._db(self.records.expectation, sender)
            if pending is None or pending.kind != Expecting.RATING_REASON or pending.ref_id is None:
                replies = [Text("感谢您的反馈！")]
            else:
                await self._db(self.records.add_rating_reason, pending.ref_id, category, None)
                await self._db(self.records.clear_expectation, sender)
                replies = [Text(REASON_THANKS)]
        await self.say(sender, channel, incoming.text or kind, replies, metadata)
        return replies

    async def _expected(
        self,
        sender: str,
        channel: str,
        kind: str,
        ref_id: int | None,
        content: str,
        from_button: bool,
        metadata: dict[str, Any],
    ) -> list[BotMessage] | None:
        """The answer to the service's own question, or None when the message is for the dialogue."""
        if from_button or ref_id is None:
            await self._db(self.records.clear_expectation, sender)
            if kind == Expecting.CALLBACK_PHONE and ref_id is not None:
                await self._db(self.records.cancel_callback, ref_id)
            return None
        await self._db(self.records.clear_expectation, sender)
        if kind == Expecting.RATING_REASON:
            await self._db(self.records.add_rating_reason, ref_id, None, content)
            replies: list[BotMessage] = [Text(REASON_THANKS)]
            await self.say(sender, channel, content, replies, metadata)
            return replies
        phone = find_phone(content)
        if phone is not None:
            callback = await self._db(self.records.give_callback_phone, ref_id, phone)
            duty = self.settings.agent_duty_hours.describe()
            replies = [Text(callback_registered(callback.masked_phone or "", duty))]
            await self.say(sender, channel, content, replies, metadata)
            log.info("gate %s: call-back %d registered", log_id(sender), callback.id)
            return replies
        await self._db(self.records.cancel_callback, ref_id)
        if any(word in content for word in CANCEL_WORDS) and len(content) <= 12:
            replies = [Text(CALLBACK_CANCELLED)]
            await self.say(sender, channel, content, replies, metadata)
            return replies
        # Not a number: the person moved on. Say the call-back was not registered, then answer.
        messages = await self.dialogue.send(sender, content, metadata)
        await self.after_turn(sender, channel, messages)
        return [Text(CALLBACK_NOT_A_NUMBER), *messages]


def gate_of(app: Any, services: Any) -> ConversationGate:
    """The app's gate (``create_app`` builds it); an app put together by hand gets one on first use.

    The gate reads ``app.ctx.dialogue`` when a turn runs, so the dialogue client may be opened later
    (when the server starts) or replaced (tests).
    """
    gate = getattr(app.ctx, "gate", None)
    if gate is None:
        from channels.push import LocalPush

        if getattr(app.ctx, "push", None) is None:
            app.ctx.push = LocalPush()
        gate = ConversationGate(lambda: app.ctx.dialogue, services.records, app.ctx.push, services.settings)
        app.ctx.gate = gate
    return gate
