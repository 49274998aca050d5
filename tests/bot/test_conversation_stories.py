"""The Rasa conversation tests in bot/tests pass against the trained dialogue model."""

from __future__ import annotations

from bot.conversation_tests import run_conversation_tests
from daofu.config import load_settings


def test_conversation_stories_pass():
    result = run_conversation_tests(load_settings())
    assert result.passed, f"failed stories (predictions annotated by Rasa):\n{result.failed_stories}"
