"""Custom actions (rasa-sdk), executed inside the service at ``/webhook``.

One module per decision the dialogue makes:

* :mod:`~bot.actions.find_matter` — a need → a guide, options, the district question or no match;
  picking an option; giving the place or the applicant type;
* :mod:`~bot.actions.answer_bands` — from search scores to one of those steps;
* :mod:`~bot.actions.follow_up` — a follow-up about the guide on screen, or a new need (or ask)?
* :mod:`~bot.actions.guide_questions` — answering it from the guide's own text
  (:mod:`~bot.actions.guide_sentences` the quotable sentences, :mod:`~bot.actions.yes_no` the
  yes/no a field decides);
* :mod:`~bot.actions.answer_aspect` — materials, time, fee, where, online, process of that guide;
* :mod:`~bot.actions.stale_buttons` — a button of an earlier guide, answered as such;
* :mod:`~bot.actions.showing` — putting a guide, options or "no match" on screen;
* :mod:`~bot.actions.guide_messages` — the guide card, aspect answers and the form hand-off;
* :mod:`~bot.actions.leaving` — to the application form, or to a person;
* :mod:`~bot.actions.rating` — 好差评;
* :mod:`~bot.actions.talk`, :mod:`~bot.actions.greeting` — yes/no, small talk, out of scope, hello.

:func:`create_actions` is what the composition root (:func:`channels.app.create_app`) registers
with the action executor, each action holding the process's :class:`~daofu.services.Services`.
"""

from __future__ import annotations

from bot.actions.answer_aspect import ActionAnswerAspect
from bot.actions.base import DaofuAction
from bot.actions.find_matter import ActionChooseOption, ActionFindService, ActionSetApplicant, ActionSetRegion
from bot.actions.greeting import ActionGreet
from bot.actions.leaving import ActionHumanHandoff, ActionStartApplication
from bot.actions.rating import ActionAskRating, ActionGoodbye, ActionStoreRating, ActionThank
from bot.actions.talk import ActionAffirm, ActionChitchat, ActionDeny, ActionOutOfScope
from daofu.services import Services

ACTION_CLASSES: tuple[type[DaofuAction], ...] = (
    ActionGreet,
    ActionFindService,
    ActionAnswerAspect,
    ActionSetRegion,
    ActionSetApplicant,
    ActionChooseOption,
    ActionAffirm,
    ActionDeny,
    ActionStartApplication,
    ActionHumanHandoff,
    ActionAskRating,
    ActionStoreRating,
    ActionGoodbye,
    ActionThank,
    ActionChitchat,
    ActionOutOfScope,
)


def create_actions(services: Services) -> list[DaofuAction]:
    """One instance of every custom action, sharing ``services``."""
    return [action_class(services) for action_class in ACTION_CLASSES]
