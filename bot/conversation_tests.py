"""Rasa conversation tests (``bot/tests/*.yml``) against the trained dialogue model.

Each test story says what a person types, the intent it must be read as and the action that must
follow; ``rasa test core`` replays them through the trained model. This module runs it in the Rasa
environment and returns which stories failed, with Rasa's annotated copy of them.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from daofu.config import Settings
from daofu.errors import DaofuError
from daofu.processes import quiet_rasa_environment, rasa_model_path

TESTS_DIR = Path("bot") / "tests"
ALL_PASSED = "None of the test stories failed"


class ConversationTestError(DaofuError):
    """Rasa could not run the conversation tests."""


@dataclass(frozen=True)
class ConversationTestResult:
    passed: bool
    failed_stories: str
    report_dir: Path


def run_conversation_tests(settings: Settings) -> ConversationTestResult:
    model = rasa_model_path(settings)
    if not model.exists():
        raise ConversationTestError(f"no trained dialogue model at {model}; run `daofu bot train` first")
    out = settings.var_dir / "rasa-test"
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "rasa-test.log"
    command = [
        str(settings.root / ".venv-rasa" / "bin" / "rasa"),
        "test",
        "core",
        "--stories",
        str(settings.root / TESTS_DIR),
        "--model",
        str(model),
        "--out",
        str(out),
    ]
    with log_path.open("w") as log_file:
        result = subprocess.run(
            command, cwd=settings.root, env=quiet_rasa_environment(), stdout=log_file, stderr=subprocess.STDOUT
        )
    failed = out / "failed_test_stories.yml"
    if result.returncode != 0 or not failed.exists():
        raise ConversationTestError(f"rasa test core failed (exit {result.returncode}); log: {log_path}")
    text = failed.read_text(encoding="utf-8")
    return ConversationTestResult(ALL_PASSED in text, text, out)
