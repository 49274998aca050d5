"""What every custom action shares: the service's objects, the turn, and failing politely.

An action here is a small class with a :meth:`DaofuAction.decide` method that reads the
conversation (:class:`~bot.actions.state.ConversationState`), says something (typed messages of
:mod:`daofu.messages`) and changes the state. The base class does the rest the same way for all:

* it runs ``decide`` in a worker thread, so searching and database reads never block the
  service's event loop (the widget and WeChat keep answering meanwhile);
* it turns the messages into Rasa's wire format and the state into slot events;
* when ``decide`` fails, the person gets an apology and the way to a person instead of silence,
  and the error goes to the log.

Example::

    class ActionThank(DaofuAction):
        action_name = "action_thank"

        def decide(self, turn: Turn) -> None:
            turn.say(Text("不客气！还有其他要办的事吗？"))
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.state import ConversationState
from daofu.messages import BotMessage, Button, Custom, Text, custom_json, payload
from daofu.services import Services

log = logging.getLogger(__name__)

HUMAN_BUTTON = Button("转人工客服", payload("human_handoff"))
ACTION_FAILED = (
    "抱歉，系统刚才出了点问题，没能处理您的消息。请稍后再试一次，或拨打12345政务服务热线，也可以转人工客服。"
)


@dataclass
class Turn:
    """One run of an action: the shared services, the conversation state, and what to say."""

    services: Services
    state: ConversationState
    tracker: Tracker
    said: list[BotMessage] = field(default_factory=list)
    # Events beyond the state's slots (rare: e.g. the rating slot).
    extra_events: list[dict[str, Any]] = field(default_factory=list)
    # False when the action must not store the state (nothing about the conversation changed).
    keep_state: bool = True

    def say(self, *messages: BotMessage) -> None:
        self.said.extend(messages)


def dispatch(dispatcher: CollectingDispatcher, messages: list[BotMessage]) -> None:
    """Hand typed messages to Rasa in its wire format (docs/messages.md)."""
    for message in messages:
        if isinstance(message, Custom):
            dispatcher.utter_message(json_message=custom_json(message))
        elif isinstance(message, Text):
            buttons = [{"title": b.title, "payload": b.payload} for b in message.buttons]
            dispatcher.utter_message(text=message.text, buttons=buttons)


class DaofuAction(Action):
    """Base of the custom actions; see the module docstring."""

    action_name: ClassVar[str] = ""

    def __init__(self, services: Services) -> None:
        if not self.action_name:
            raise ValueError(f"{type(self).__name__} must set action_name")
        self.services = services

    def name(self) -> str:
        return self.action_name

    def decide(self, turn: Turn) -> None:
        raise NotImplementedError

    def run_turn(self, tracker: Tracker) -> Turn:
        """Decide for ``tracker``; what would be said and stored, without Rasa (tests use it too)."""
        turn = Turn(self.services, ConversationState.from_tracker(tracker), tracker)
        self.decide(turn)
        return turn

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        try:
            turn = await asyncio.to_thread(self.run_turn, tracker)
        except Exception:
            log.exception("%s failed; the person was told to try again", self.action_name)
            dispatch(dispatcher, [Text(ACTION_FAILED, (HUMAN_BUTTON,))])
            return []
        dispatch(dispatcher, turn.said)
        events = turn.state.events() if turn.keep_state else []
        return [*events, *turn.extra_events]
