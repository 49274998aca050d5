"""Buttons pressed from an earlier turn: answered for what is on screen now, never replayed.

A chat keeps old messages on screen, and their buttons still work (the conversation gate lets
through every payload it offered this conversation lately). The buttons that act on "the guide
on screen" — 所需材料 / 办理时限 / … / 去办理, and the 是/不是 of a switch confirmation — carry the
guide they were offered with (``{"guide_id": …}``). When that is no longer the guide on screen,
the action says so plainly and offers both ways forward, instead of answering for the wrong
matter (or sending the person to the wrong application form).
"""

from __future__ import annotations

from bot.actions.base import Turn
from bot.actions.guide_messages import aspect_buttons
from bot.actions.guide_questions import guide_title
from daofu.messages import Button, Text, payload


def button_guide(turn: Turn) -> str | None:
    """The guide a pressed button was offered with (None for typed words or a button without one)."""
    if not turn.state.text.startswith("/"):
        return None
    return turn.state.entities.get("guide_id")


def is_stale(turn: Turn) -> bool:
    """Whether the pressed button belongs to a guide that is no longer on screen."""
    offered_with = button_guide(turn)
    return offered_with is not None and offered_with != turn.state.guide_id


def say_stale(turn: Turn, what: str) -> None:
    """“您点的「去办理」是之前「…」的按钮” — and the way back to it, or on with the guide on screen."""
    state, catalog = turn.state, turn.services.catalog
    turn.keep_state = False
    offered_with = button_guide(turn) or ""
    old = catalog.guide(offered_with)
    current = catalog.guide(state.guide_id) if state.guide_id else None
    if old is None:
        text = f"您点的「{what}」是之前的按钮，它对应的指南已不在目录中。"
    else:
        text = f"您点的「{what}」是之前{guide_title(old)}的按钮，"
    # The same matter in another place (the district changed) is told apart by its region.
    same_name = old is not None and current is not None and old.name == current.name
    buttons: list[Button] = []
    if old is not None:
        label = guide_title(old) if same_name else f"「{old.name}」"
        buttons.append(Button(f"回到{label}", payload("choose_option", guide_id=old.id)))
    if current is not None:
        text += f"现在在看的是{guide_title(current)}。您要看哪一个？"
        label = guide_title(current) if same_name else f"「{current.name}」"
        buttons.append(Button(f"继续看{label}", payload("choose_option", guide_id=current.id)))
    else:
        text += "现在没有在看的事项。要回到它，请点下面的按钮，或直接告诉我您要办的事。"
    turn.say(Text(text, tuple(buttons)))


def say_stale_confirmation(turn: Turn) -> None:
    """是/不是 of a switch question that was already answered (or overtaken by another question)."""
    state = turn.state
    turn.keep_state = False
    current = turn.services.catalog.guide(state.guide_id) if state.guide_id else None
    if current is None:
        turn.say(Text("这个问题已经过去了。请直接告诉我您要办的事，比如“补办身份证”。"))
        return
    turn.say(
        Text(
            f"这个问题已经过去了，现在在看的是{guide_title(current)}。您还想了解哪方面？",
            aspect_buttons(guide_id=current.id),
        )
    )
