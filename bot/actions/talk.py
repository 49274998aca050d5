"""Yes, no, small talk and questions outside government services."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.finding import utter_all
from bot.actions.handoff import ActionHumanHandoff, ActionStartApplication
from bot.actions.presenting import HUMAN_BUTTON
from bot.actions.state import ConversationState

SMALL_TALK = (
    "我是甬导服，宁波政务服务的智能导服助手（不是真人）。我能帮您找到要办的事项，"
    "告诉您材料、时限、费用和办理地点，并带您去在线申请。请问您想办什么事？"
)
OUT_OF_SCOPE = (
    "抱歉，这个问题不在政务服务范围内，我只能解答宁波政务服务事项的办理问题。"
    "如需其他帮助，可以拨打12345热线，或转人工客服。"
)


class ActionAffirm(Action):
    """"好的/是的": accept what was just offered (a person, the application form)."""

    def name(self) -> str:
        return "action_affirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        if state.offer == "handoff":
            return ActionHumanHandoff().run(dispatcher, tracker, domain)
        if state.guide_id:
            return ActionStartApplication().run(dispatcher, tracker, domain)
        dispatcher.utter_message(text="好的。请问还有什么可以帮您？")
        return []


class ActionDeny(Action):
    def name(self) -> str:
        return "action_deny"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        if state.offer == "handoff":
            dispatcher.utter_message(text="好的。您可以换个说法再问我，比如说明要办的证件或要做的事。")
        else:
            dispatcher.utter_message(text="好的。还有其他需要吗？")
        state.offer = None
        return state.events()


class ActionChitchat(Action):
    def name(self) -> str:
        return "action_chitchat"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        dispatcher.utter_message(text=SMALL_TALK)
        return []


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        state.offer = "handoff"
        utter_all(dispatcher, [{"text": OUT_OF_SCOPE, "buttons": [HUMAN_BUTTON]}])
        return state.events()
