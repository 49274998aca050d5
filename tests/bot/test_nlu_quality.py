"""Held-out NLU quality: intents and places of sentences the model never saw in training.

Runs ``bot.nlu_evaluation.evaluate_nlu`` once — Rasa's deterministic 80/20 split of
``bot/data``, an NLU-only training with ``config.yml``, ``rasa test nlu`` on the 20 % — and holds the
data to intent macro-F1 >= 0.95 and region entity F1 >= 0.95. Training and testing take about four
minutes on two cores, so the test is marked slow and has its own timeout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu_evaluation import NluEvaluation, evaluate_nlu, format_summary
from daofu.config import load_settings

INTENT_MACRO_F1 = 0.95
REGION_F1 = 0.95

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> NluEvaluation:
    settings = load_settings()
    if not (settings.root / ".venv-rasa" / "bin" / "rasa").exists():
        pytest.fail("the Rasa environment .venv-rasa is missing; the setup (scripts/test.sh) creates it")
    out: Path = tmp_path_factory.mktemp("rasa-eval")
    return evaluate_nlu(settings, out_dir=out)


def test_intent_macro_f1(evaluation: NluEvaluation) -> None:
    if evaluation.intent_macro_f1 < INTENT_MACRO_F1:
        summary = format_summary(evaluation)
        pytest.fail(f"intent macro-F1 {evaluation.intent_macro_f1:.3f} < {INTENT_MACRO_F1}\n\n{summary}")


def test_region_entity_f1(evaluation: NluEvaluation) -> None:
    if evaluation.region.support == 0 or evaluation.region.f1 < REGION_F1:
        pytest.fail(f"region entity F1 {evaluation.region.f1:.3f} < {REGION_F1}\n\n{format_summary(evaluation)}")
