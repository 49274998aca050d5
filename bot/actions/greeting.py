"""The greeting: who the assistant is, what it can do, and that the catalogue is demo data."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

GREETING = (
    "您好！我是甬导服，宁波政务服务智能导服助手。"
    "告诉我您想办什么事，比如“身份证快到期了怎么换”或“开小吃店要办什么证”，"
    "我帮您找到对应的办事指南，说明材料、时限、费用和办理地点，并带您去在线申请。"
)
DEMO_NOTICE = "（演示系统：办事指南为演示数据，不作为正式办事依据。）"


class ActionGreet(Action):
    """Introduce the assistant; the wording is the same on every channel."""

    def name(self) -> str:
        return "action_greet"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=GREETING + DEMO_NOTICE)
        return []
