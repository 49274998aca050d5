"""The greeting: who the assistant is, what it can do, and that the catalogue is demo data."""

from __future__ import annotations

from bot.actions.base import DaofuAction, Turn
from daofu.messages import Text
from knowledge import DEMO_NOTICE_SHORT

GREETING = (
    "您好！我是甬导服，宁波政务服务智能导服助手。"
    "告诉我您想办什么事，比如“身份证快到期了怎么换”或“开小吃店要办什么证”，"
    "我帮您找到对应的办事指南，说明材料、时限、费用和办理地点，并带您去在线申请。"
)


class ActionGreet(DaofuAction):
    """Introduce the assistant; the wording is the same on every channel."""

    action_name = "action_greet"

    def decide(self, turn: Turn) -> None:
        turn.keep_state = False
        turn.say(Text(GREETING + DEMO_NOTICE_SHORT))
