"""Held-out evaluation of the NLU: how well unseen sentences get their intent and their places.

The training data (``bot/data``: ``nlu.yml`` and the region lookup table) is split once,
deterministically, with Rasa's own splitter (80 % training, seed 42, stratified per intent). An
NLU-only model is trained on the training part with the project's ``config.yml`` — the same
pipeline and jieba dictionary as the dialogue model — and tested on the held-out part. Nothing of
the held-out part is seen in training, so the scores say how the NLU copes with new wording.

Rasa's splitter gives the lookup table and the entity synonyms to both parts; only the examples are
split. ``rasa test nlu`` undoes fallback predictions, so the intent scores measure the classifier;
how many held-out sentences would still fall below the fallback threshold at run time is reported
separately (:attr:`NluEvaluation.below_fallback`).

Everything is written under ``var/rasa-eval/`` (``split/``, ``model/``, ``results/``, ``logs/``),
and each run starts from empty directories so no stale report is ever read.

Example::

    evaluation = evaluate_nlu(load_settings())
    print(evaluation.intent_macro_f1, evaluation.region.f1)
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from daofu.config import Settings
from daofu.errors import DaofuError
from daofu.processes import quiet_rasa_environment

log = logging.getLogger(__name__)

TRAINING_FRACTION = 0.8
RANDOM_SEED = 42
MODEL_NAME = "nlu-eval"
ENTITY_EXTRACTOR = "GazetteerEntityExtractor"
# reports `rasa test nlu` writes that are not an entity extractor's
NON_ENTITY_REPORTS = {"intent_report.json", "response_selection_report.json"}
# Keys of Rasa's classification reports that are averages, not labels.
SUMMARY_KEYS = frozenset({"accuracy", "macro avg", "micro avg", "weighted avg"})


class NluEvaluationError(DaofuError):
    """A step of the held-out NLU evaluation failed; the message names the step's log file."""


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one label, and how many held-out examples carry it."""

    precision: float
    recall: float
    f1: float
    support: int

    @classmethod
    def from_report(cls, entry: dict[str, Any]) -> Score:
        return cls(
            precision=float(entry.get("precision", 0.0)),
            recall=float(entry.get("recall", 0.0)),
            f1=float(entry.get("f1-score", 0.0)),
            support=int(entry.get("support", 0)),
        )


@dataclass(frozen=True)
class NluEvaluation:
    """The scores of one held-out evaluation and where its reports are."""

    intents: dict[str, Score]
    confusions: dict[str, dict[str, int]]
    region: Score
    entities: dict[str, Score]
    train_examples: int
    test_examples: int
    below_fallback: int
    fallback_threshold: float
    intent_report: Path
    entity_report: Path
    errors_file: Path
    results_dir: Path

    @property
    def intent_macro_f1(self) -> float:
        """Unweighted mean F1 over the intents of the held-out part (each intent counts once)."""
        scored = [score.f1 for score in self.intents.values() if score.support > 0]
        return sum(scored) / len(scored) if scored else 0.0

    def weakest(self, count: int = 5) -> list[tuple[str, Score]]:
        """The intents with the lowest F1 (ties by name), the ones to write more data for."""
        ranked = sorted(self.intents.items(), key=lambda item: (item[1].f1, item[0]))
        return ranked[:count]


def evaluate_nlu(
    settings: Settings,
    out_dir: Path | None = None,
    config: Path | None = None,
    training_fraction: float = TRAINING_FRACTION,
    random_seed: int = RANDOM_SEED,
) -> NluEvaluation:
    """Split ``bot/data``, train an NLU model on the training part, test it on the rest.

    ``config`` defaults to the project's ``config.yml``; another pipeline file can be given to
    compare pipelines on the same split. Takes several minutes (the training); raises
    :class:`NluEvaluationError` naming the log of the step that failed.
    """
    root = settings.root
    out = out_dir or settings.var_dir / "rasa-eval"
    rasa = root / ".venv-rasa" / "bin" / "rasa"
    if not rasa.exists():
        raise NluEvaluationError(f"{rasa} is missing; run the setup (scripts/run.sh) to create the Rasa environment")
    data_dir = root / "bot" / "data"
    if not (data_dir / "nlu.yml").exists():
        raise NluEvaluationError(f"{data_dir / 'nlu.yml'} is missing; the NLU training data belongs there")
    config = (config or root / "config.yml").resolve()
    if not config.is_file():
        raise NluEvaluationError(f"{config} is not a file; give a Rasa pipeline configuration")
    split_dir, model_dir, results_dir, logs = out / "split", out / "model", out / "results", out / "logs"
    for directory in (split_dir, model_dir, results_dir):
        shutil.rmtree(directory, ignore_errors=True)
    logs.mkdir(parents=True, exist_ok=True)

    # `--nlu bot/data` loads every NLU file there: nlu.yml and the lookup table (rules and stories
    # are not NLU data and are skipped), so the lookup and the synonyms travel with the split.
    _run_rasa(
        root,
        "split",
        [
            str(rasa),
            "data",
            "split",
            "nlu",
            "--nlu",
            str(data_dir),
            "--training-fraction",
            str(training_fraction),
            "--random-seed",
            str(random_seed),
            "--out",
            str(split_dir),
        ],
        logs / "split.log",
        expect=split_dir / "test_data.yml",
    )
    train_file, test_file = split_dir / "training_data.yml", split_dir / "test_data.yml"
    model = model_dir / f"{MODEL_NAME}.tar.gz"
    _run_rasa(
        root,
        "training",
        [
            str(rasa),
            "train",
            "nlu",
            "--config",
            str(config),
            "--domain",
            str(root / "bot" / "domain.yml"),
            "--nlu",
            str(train_file),
            "--out",
            str(model_dir),
            "--fixed-model-name",
            MODEL_NAME,
        ],
        logs / "train.log",
        expect=model,
    )
    _run_rasa(
        root,
        "test",
        [
            str(rasa),
            "test",
            "nlu",
            "--model",
            str(model),
            "--nlu",
            str(test_file),
            "--out",
            str(results_dir),
            "--no-plot",
            "--successes",
        ],
        logs / "test.log",
        expect=results_dir / "intent_report.json",
    )
    return read_results(results_dir, train_file, test_file, fallback_threshold(config))


def read_results(results_dir: Path, train_file: Path, test_file: Path, threshold: float) -> NluEvaluation:
    """The scores from the reports ``rasa test nlu`` wrote into ``results_dir``."""
    intent_report = results_dir / "intent_report.json"
    entity_report = _entity_report(results_dir)
    intents_raw = _read_json(intent_report)
    intents: dict[str, Score] = {}
    confusions: dict[str, dict[str, int]] = {}
    for name, entry in intents_raw.items():
        if name in SUMMARY_KEYS or not isinstance(entry, dict) or int(entry.get("support", 0)) == 0:
            continue  # an average, or a label only ever predicted (it lowers its true intents' recall)
        intents[name] = Score.from_report(entry)
        confusions[name] = {str(k): int(v) for k, v in (entry.get("confused_with") or {}).items()}
    entities: dict[str, Score] = {}
    if entity_report.exists():
        for name, entry in _read_json(entity_report).items():
            if name not in SUMMARY_KEYS and isinstance(entry, dict):
                entities[name] = Score.from_report(entry)
    region = entities.get("region")
    if region is None:
        raise NluEvaluationError(
            f"no region entity in {entity_report}: the held-out part has no annotated place; "
            "annotate places as [鄞州](region) in bot/data/nlu.yml"
        )
    successes = results_dir / "intent_successes.json"
    errors = results_dir / "intent_errors.json"
    below = sum(
        1
        for path in (successes, errors)
        if path.exists()
        for item in _read_json(path)
        if float((item.get("intent_prediction") or {}).get("confidence") or 0.0) < threshold
    )
    return NluEvaluation(
        intents=intents,
        confusions=confusions,
        region=region,
        entities=entities,
        train_examples=_count_examples(train_file),
        test_examples=_count_examples(test_file),
        below_fallback=below,
        fallback_threshold=threshold,
        intent_report=intent_report,
        entity_report=entity_report,
        errors_file=errors,
        results_dir=results_dir,
    )


def _entity_report(results_dir: Path) -> Path:
    """The report of the pipeline's entity extractor (``rasa test`` names it after the component).

    When several extractors wrote one, the one that scored the region entity wins; with none, the
    path of the default extractor's report is returned so the error message can name it.
    """
    reports = sorted(path for path in results_dir.glob("*_report.json") if path.name not in NON_ENTITY_REPORTS)
    for path in reports:
        if "region" in (_read_json(path) or {}):
            return path
    return reports[0] if reports else results_dir / f"{ENTITY_EXTRACTOR}_report.json"


def fallback_threshold(config: Path) -> float:
    """The FallbackClassifier's threshold in ``config.yml`` (Rasa's default 0.3 when unset)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    for component in data.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.0


def format_summary(evaluation: NluEvaluation) -> str:
    """A plain-text table: per-intent scores (weakest first), the region entity and the report paths."""
    lines = [
        f"held-out NLU evaluation: {evaluation.train_examples} training / {evaluation.test_examples} test examples",
        "",
        f"{'intent':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>4}  confused with",
    ]
    for name, score in sorted(evaluation.intents.items(), key=lambda item: (item[1].f1, item[0])):
        confused = ", ".join(f"{k} ({v})" for k, v in sorted(evaluation.confusions.get(name, {}).items()))
        lines.append(
            f"{name:<20} {score.precision:>9.3f} {score.recall:>7.3f} {score.f1:>6.3f} {score.support:>4}  {confused}"
        )
    lines += [
        "",
        f"intent macro-F1: {evaluation.intent_macro_f1:.3f}",
        f"held-out examples below the fallback threshold {evaluation.fallback_threshold:g}: "
        f"{evaluation.below_fallback}",
        "",
        f"{'entity':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>4}",
    ]
    for name, score in sorted(evaluation.entities.items()):
        lines.append(f"{name:<20} {score.precision:>9.3f} {score.recall:>7.3f} {score.f1:>6.3f} {score.support:>4}")
    weakest = ", ".join(f"{name} {score.f1:.3f}" for name, score in evaluation.weakest(3))
    lines += [
        "",
        f"region entity F1: {evaluation.region.f1:.3f}",
        f"weakest intents: {weakest}",
        "",
        f"intent report: {evaluation.intent_report}",
        f"entity report: {evaluation.entity_report}",
        f"misclassified: {evaluation.errors_file}",
    ]
    return "\n".join(lines)


def _run_rasa(root: Path, step: str, command: list[str], log_path: Path, expect: Path) -> None:
    log.info("NLU evaluation: %s (log: %s)", step, log_path)
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log_file:
        result = subprocess.run(
            command, cwd=root, env=quiet_rasa_environment(), stdout=log_file, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0 or not expect.exists():
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no output"
        raise NluEvaluationError(f"rasa {step} failed (exit code {result.returncode}): {last} (log: {log_path})")
    log.info("NLU evaluation: %s done in %.0f s", step, time.monotonic() - started)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NluEvaluationError(f"{path} is missing: rasa test nlu did not write it") from None
    except json.JSONDecodeError as exc:
        raise NluEvaluationError(f"{path} is not valid JSON ({exc})") from None


def _count_examples(path: Path) -> int:
    """Training examples in a split file (lookup entries are not examples)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return sum(
        len([line for line in (block.get("examples") or "").splitlines() if line.strip().startswith("- ")])
        for block in data.get("nlu") or []
        if "intent" in block
    )
