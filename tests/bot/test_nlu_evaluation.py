"""The evaluation's bookkeeping without a training: reading Rasa's reports, failures, the summary."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bot.nlu_evaluation import NluEvaluationError, evaluate_nlu, fallback_threshold, format_summary, read_results
from daofu.config import PROJECT_ROOT, Settings


def _score(precision: float, recall: float, f1: float, support: int, **extra: object) -> dict:
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": support, **extra}


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A results directory as ``rasa test nlu`` writes it, with two intents and a fallback label."""
    out = tmp_path / "results"
    out.mkdir()
    (out / "intent_report.json").write_text(
        json.dumps(
            {
                "greet": _score(1.0, 0.5, 0.65, 4, confused_with={"affirm": 2}),
                "affirm": _score(0.6, 1.0, 0.75, 3),
                "nlu_fallback": _score(0.0, 0.0, 0.0, 0),
                "accuracy": 0.7,
                "macro avg": _score(0.5, 0.5, 0.47, 7),
                "weighted avg": _score(0.8, 0.7, 0.7, 7),
            }
        ),
        encoding="utf-8",
    )
    (out / "DIETClassifier_report.json").write_text(
        json.dumps(
            {
                "region": _score(0.9, 1.0, 0.947, 9),
                "micro avg": _score(0.9, 1.0, 0.947, 9),
            }
        ),
        encoding="utf-8",
    )
    prediction = {"name": "greet", "confidence": 0.2}
    (out / "intent_successes.json").write_text(json.dumps([{"intent_prediction": prediction}]), encoding="utf-8")
    (out / "intent_errors.json").write_text(
        json.dumps([{"intent_prediction": {"name": "affirm", "confidence": 0.9}}]), encoding="utf-8"
    )
    split = tmp_path / "split"
    split.mkdir()
    (split / "training_data.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n    - 在吗\n'
        "- lookup: region\n  examples: |\n    - 鄞州\n",
        encoding="utf-8",
    )
    (split / "test_data.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 您好\n', encoding="utf-8"
    )
    return out


def test_scores_come_from_the_reports(results: Path) -> None:
    split = results.parent / "split"
    evaluation = read_results(results, split / "training_data.yml", split / "test_data.yml", 0.4)
    assert set(evaluation.intents) == {"greet", "affirm"}, "averages and predicted-only labels are not intents"
    assert evaluation.intent_macro_f1 == pytest.approx(0.7)
    assert evaluation.region.f1 == pytest.approx(0.947)
    assert evaluation.confusions["greet"] == {"affirm": 2}
    assert evaluation.weakest(1)[0][0] == "greet"
    assert (evaluation.train_examples, evaluation.test_examples) == (2, 1), "lookup entries are not examples"
    assert evaluation.below_fallback == 1


def test_summary_names_scores_and_report_paths(results: Path) -> None:
    split = results.parent / "split"
    summary = format_summary(read_results(results, split / "training_data.yml", split / "test_data.yml", 0.4))
    assert "intent macro-F1: 0.700" in summary
    assert "region entity F1: 0.947" in summary
    assert "weakest intents: greet 0.650" in summary
    assert str(results / "intent_report.json") in summary
    assert "affirm (2)" in summary


def test_missing_region_scores_are_an_error(results: Path) -> None:
    (results / "DIETClassifier_report.json").write_text(json.dumps({}), encoding="utf-8")
    split = results.parent / "split"
    with pytest.raises(NluEvaluationError, match="no region entity"):
        read_results(results, split / "training_data.yml", split / "test_data.yml", 0.4)


def test_the_project_config_has_a_fallback_threshold() -> None:
    assert 0 < fallback_threshold(PROJECT_ROOT / "config.yml") < 1


def test_a_failing_rasa_step_names_its_log(tmp_path: Path) -> None:
    """A Rasa that fails makes a DaofuError naming the step's log file, not a traceback."""
    root = tmp_path / "project"
    rasa = root / ".venv-rasa" / "bin" / "rasa"
    rasa.parent.mkdir(parents=True)
    rasa.write_text("#!/bin/sh\necho 'something went wrong in rasa'\nexit 3\n", encoding="utf-8")
    rasa.chmod(rasa.stat().st_mode | stat.S_IEXEC)
    (root / "bot" / "data").mkdir(parents=True)
    (root / "bot" / "data" / "nlu.yml").write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    (root / "config.yml").write_text("language: zh\npipeline: []\n", encoding="utf-8")
    settings = Settings(root=root, var_dir=root / "var")
    with pytest.raises(NluEvaluationError) as failure:
        evaluate_nlu(settings)
    message = str(failure.value)
    assert "something went wrong in rasa" in message
    assert "exit code 3" in message
    assert str(root / "var" / "rasa-eval" / "logs" / "split.log") in message


def test_missing_rasa_environment_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NluEvaluationError, match="run the setup"):
        evaluate_nlu(Settings(root=tmp_path, var_dir=tmp_path / "var"))


def test_a_missing_pipeline_file_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "project"
    rasa = root / ".venv-rasa" / "bin" / "rasa"
    rasa.parent.mkdir(parents=True)
    rasa.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (root / "bot" / "data").mkdir(parents=True)
    (root / "bot" / "data" / "nlu.yml").write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    with pytest.raises(NluEvaluationError, match="not a file"):
        evaluate_nlu(Settings(root=root, var_dir=root / "var"), config=root / "other.yml")
