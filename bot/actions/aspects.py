"""Follow-up questions about the matter under discussion: materials, time, fee, where, online, process.

"那要带什么材料？" is about the current matter; "开饭店要带什么材料？" names a new need. The
difference is whether anything is left of the question once the aspect words (材料, 多久, 哪里…),
place names and function words are taken away. A question that names a need is searched; if
the current matter is among the close results the conversation stays with it, otherwise it
switches to the new matter and answers the aspect for that one.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services
from bot.actions.cards import ASPECT_INTENTS
from bot.actions.finding import search_need, take_applicant, utter_all
from bot.actions.navigation import decide
from bot.actions.presenting import present, remember_place, show_matter
from bot.actions.state import ConversationState

log = logging.getLogger(__name__)

ASPECT_OF_INTENT = {intent: aspect for aspect, intent in ASPECT_INTENTS.items()}

# Words that only say *what about* the matter is asked, not *which* matter.
ASPECT_WORDS = frozenset(
    """
    材料 资料 带 准备 提供 提交 东西 证件 证明 复印件 复印 原件 份 齐 哪些 清单
    多久 几天 时间 时限 多长 天 工作日 当场 马上 拿到 拿 出证 出来 办好 快 慢 期限 周期
    钱 费用 收费 多少钱 免费 交钱 工本费 花 价格 标准 贵
    哪里 哪儿 地方 地址 地点 窗口 电话 几点 上班 下班 时间段 周末 大厅 中心 位置 联系
    网上 在线 线上 网办 浙里办 手机 app 跑 几次 现场 跑腿 不用 本人 到场
    流程 步骤 程序 手续 顺序 先 后 环节 过程 具体 操作 弄 申请
    那 那么 这个 那个 还 要 需要 得 能 可以 咋 怎么 如何 什么 多少 吗 呢
    """.split()
)


def names_a_need(text: str) -> bool:
    """Whether ``text`` says which matter, beyond asking about an aspect and naming a place."""
    searcher = services.searcher()
    tokens = searcher.analyzer.tokens(text)
    places = {m.name for _, m in searcher.resolver.mentions(text)}
    leftover = [
        t for t in tokens
        if t not in ASPECT_WORDS and not any(t in place or place in t for place in places) and len(t) >= 2
    ]
    return bool(leftover)


class ActionAnswerAspect(Action):
    def name(self) -> str:
        return "action_answer_aspect"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        aspect = ASPECT_OF_INTENT.get(state.intent or "", "materials")
        text = state.user_text
        take_applicant(state)
        if text and names_a_need(text):
            result = search_need(state, text)
            decision = decide(result)
            close_codes = {hit.matter_code for hit in decision.hits}
            stays = state.matter_code is not None and (state.matter_code in close_codes or result.no_match)
            if not stays:
                state.clear_pending()
                state.pending_query = text
                utter_all(dispatcher, present(state, decision, then=aspect))
                return state.events()
        elif text:
            place = services.searcher().resolver.detect(text)
            remember_place(state, place)
        if state.matter_code is None:
            dispatcher.utter_message(text="请先告诉我您要办理什么事情，比如“补办社保卡”，我再告诉您需要的材料、时限和地点。")
            return state.events()
        utter_all(dispatcher, show_matter(state, state.matter_code, aspect))
        return state.events()
