"""Knowledge gaps: a need the assistant could not answer with confidence is kept for the monthly report.

When a search ends in "nothing found" or only in choices (no single confident guide), the person's
words are stored with how the assistant answered (``nothing`` or ``plausible``) and the best
candidate (:meth:`daofu.records.ConversationRecords.add_unanswered`, which masks personal numbers
with :mod:`daofu.masking` before anything is written). ``daofu report`` groups them into the
knowledge-gap list (:mod:`daofu.report.gaps`): what people ask that the catalogue or the search does
not yet answer well.

A failure to store never changes the answer: it is logged and the conversation goes on.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.actions.answer_bands import Decision, Step
from bot.actions.base import Turn

log = logging.getLogger(__name__)

# How each kind of answer counts in the knowledge-gap list; a guide on screen is not a gap.
GAP_BANDS = {Step.NO_MATCH.value: "nothing", Step.CHOOSE.value: "plausible", Step.FAMILY.value: "plausible"}


def remember_gap(turn: Turn, question: str, decision: Decision) -> None:
    """Store ``question`` as a knowledge gap when ``decision`` is no confident answer."""
    band = GAP_BANDS.get(decision.step.value)
    if band is None or not question.strip():
        return
    top = decision.hits[0] if decision.hits else None
    try:
        turn.services.records.add_unanswered(
            turn.state.sender_id,
            turn.state.channel,
            question,
            band,
            top.matter_code if top else None,
            round(float(top.score), 4) if top else None,
        )
    except SQLAlchemyError as exc:
        log.error("could not store a knowledge gap (%s); the answer is unchanged", exc.__class__.__name__)
