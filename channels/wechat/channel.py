"""The WeChat channel's behaviour, independent of HTTP: one incoming message in, one answer out.

:meth:`WeChatChannel.answer` interprets the message (:mod:`channels.wechat.events`), runs at most
one dialogue turn per message across WeChat's retries (:mod:`channels.wechat.dedupe`), and returns
the answer if it is ready before the deadline. Otherwise it returns ``None`` (the route replies
"success") and the answer is pushed through the customer-service API when it arrives.

Every turn goes through the conversation gate (:mod:`channels.conversation`): a typed text is
never a payload; a numbered reply ("1") and a menu click are, because the service itself offered
them. While an agent holds the conversation the gate answers nothing (the reply is "success") and
the agent's words come through :meth:`WeChatChannel.deliver` (customer-service messages).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.conversation import Incoming
from channels.dialogue import DialogueUnavailable, typed
from channels.limits import TooManyTurns
from channels.wechat.customer_service import CustomerServiceClient, CustomerServiceError
from channels.wechat.dedupe import TurnStore
from channels.wechat.events import DIALOGUE_DOWN, EMPTY_TEXT, TOO_FAST, DialogueInput, interpret
from channels.wechat.messages import IncomingMessage, Outgoing
from channels.wechat.options import OptionStore, choose
from channels.wechat.rendering import render
from daofu.masking import log_id
from daofu.messages import BotMessage

log = logging.getLogger(__name__)

SendToDialogue = Callable[[str, Incoming, dict[str, Any]], Awaitable[list[BotMessage]]]
WECHAT_PREFIX = "wx-"
METADATA = {"channel": "wechat", "elder_mode": False}


short_hash = log_id  # the channel's name for it


def sender_id(openid: str) -> str:
    """The conversation id in the dialogue for a WeChat user."""
    return f"{WECHAT_PREFIX}{openid}"


class WeChatChannel:
    """Answers WeChat users through the dialogue."""

    def __init__(
        self,
        send: SendToDialogue,
        turns: TurnStore,
        options: OptionStore,
        push: CustomerServiceClient | None = None,
    ) -> None:
        self._send = send
        self.turns = turns
        self.options = options
        self.push = push

    async def answer(self, message: IncomingMessage, wait: float) -> Outgoing | None:
        """The passive reply for ``message`` if ready within ``wait`` seconds; ``None`` means "success"."""
        tag = short_hash(message.dedupe_key)
        action = interpret(message)
        if not isinstance(action, DialogueInput):
            log.info("wechat %s from %s: %s, no dialogue turn", tag, short_hash(message.from_user), action.reason)
            return action.outgoing

        async def produce() -> Outgoing | None:
            return await self._turn(message.from_user, action, tag)

        async def late(outgoing: Outgoing | None) -> None:
            await self._push_late(message.from_user, outgoing, tag)

        outgoing = await self.turns.answer(message.dedupe_key, produce, wait, late)
        if outgoing is None:
            log.info("wechat %s: no passive answer (slow or empty); replying success", tag)
        return outgoing

    async def _turn(self, openid: str, action: DialogueInput, tag: str) -> Outgoing | None:
        if action.typed:
            option = choose(action.text, await self.options.recall(openid))
            if option is not None:
                log.info("wechat %s: numbered reply mapped to an option payload", tag)
                incoming = Incoming(option.title, option.payload, trusted=True)
            else:
                words = typed(action.text)  # typed text is never a payload
                if not words.strip():
                    return EMPTY_TEXT
                incoming = Incoming(words)
        else:  # a menu key or following the account: the channel's own payload
            incoming = Incoming("", action.text, trusted=True)
        try:
            messages = await self._send(sender_id(openid), incoming, dict(METADATA))
        except DialogueUnavailable as exc:
            log.warning("wechat %s: dialogue unavailable: %s", tag, exc)
            return DIALOGUE_DOWN
        except TooManyTurns:
            log.info("wechat %s: the user sends faster than the limit", tag)
            return TOO_FAST
        rendered = render(messages)
        await self.options.remember(openid, rendered.options)
        log.info(
            "wechat %s: dialogue answered %d message(s) → %s with %d option(s)",
            tag,
            len(messages),
            type(rendered.outgoing).__name__ if rendered.outgoing else "nothing",
            len(rendered.options),
        )
        return rendered.outgoing

    async def deliver(self, sender: str, messages: list[BotMessage]) -> bool:
        """Send messages outside a turn (an agent's words) as one customer-service message."""
        if not sender.startswith(WECHAT_PREFIX):
            return False
        openid = sender[len(WECHAT_PREFIX) :]
        rendered = render(messages)
        if rendered.outgoing is None:
            return False
        await self.options.remember(openid, rendered.options)
        if self.push is None:
            log.warning("wechat: a message outside a turn cannot be sent: DAOFU_WECHAT_SECRET is not set")
            return False
        try:
            await self.push.send(openid, rendered.outgoing)
        except CustomerServiceError as exc:
            log.error("wechat %s: pushing a message failed: %s", short_hash(openid), exc)
            return False
        return True

    async def _push_late(self, openid: str, outgoing: Outgoing | None, tag: str) -> None:
        if outgoing is None:
            return
        if self.push is None:
            log.warning(
                "wechat %s: the answer came after the deadline and DAOFU_WECHAT_SECRET is not set; "
                "it cannot be pushed and is lost",
                tag,
            )
            return
        try:
            await self.push.send(openid, outgoing)
        except CustomerServiceError as exc:
            log.error("wechat %s: pushing the late answer failed: %s", tag, exc)
            return
        log.info("wechat %s: late answer pushed through the customer-service API", tag)

    async def close(self) -> None:
        await self.turns.close()
        if self.push is not None:
            await self.push.close()
