"""Which NLU examples does no other example support? A seconds-long proxy for the held-out run.

The held-out evaluation (``daofu bot evaluate-nlu``) trains DIET for many minutes. Most of what it
gets wrong is a sentence whose wording occurs nowhere else in its intent: when such a sentence lands
in the test part, nothing in the training part teaches it. This script finds those sentences fast:
it cross-validates a linear model on the same kind of features as the pipeline (jieba words with
the domain dictionary, character 1–4-grams) and lists the examples misclassified in most of the
repetitions. Write *other* sentences with the same cue for them (never a one-character variant).

It needs scikit-learn, which the Rasa environment has::

    .venv-rasa/bin/python -m bot.tools.support_check            # 5 folds, 3 repetitions
    .venv-rasa/bin/python -m bot.tools.support_check --intent out_of_scope
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter, defaultdict

from bot.tools.check_nlu import Example, jieba_tokenizer, load_examples


def cross_validate(
    examples: list[Example], folds: int = 5, seeds: tuple[int, ...] = (0, 1, 2)
) -> tuple[list[float], dict[int, Counter[str]]]:
    """Macro-F1 per repetition, and for each misclassified example what it was taken for."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    tokenizer = jieba_tokenizer()
    joined = [" ".join(w for w, _, _ in tokenizer.tokenize(e.text) if w.strip()) for e in examples]
    labels = np.array([e.intent for e in examples])
    scores: list[float] = []
    mistakes: dict[int, Counter[str]] = defaultdict(Counter)
    for seed in seeds:
        predicted = np.empty(len(examples), dtype=object)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(joined, labels):
            words = CountVectorizer(analyzer=str.split)
            chars = CountVectorizer(analyzer="char_wb", ngram_range=(1, 4))
            train_x = hstack(
                [words.fit_transform([joined[i] for i in train]), chars.fit_transform([joined[i] for i in train])]
            )
            test_x = hstack([words.transform([joined[i] for i in test]), chars.transform([joined[i] for i in test])])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = LinearSVC(C=0.5).fit(train_x, labels[train])
            predicted[test] = model.predict(test_x)
        scores.append(float(f1_score(labels, predicted, average="macro")))
        for index in np.where(predicted != labels)[0]:
            mistakes[int(index)][str(predicted[index])] += 1
    return scores, mistakes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List NLU examples that no other example supports.")
    parser.add_argument("--intent", help="only this intent's examples")
    parser.add_argument("--repetitions", type=int, default=3, help="cross-validation repetitions (default 3)")
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("support_check: scikit-learn is missing; run it with .venv-rasa/bin/python", file=sys.stderr)
        return 1
    examples = load_examples()
    scores, mistakes = cross_validate(examples, seeds=tuple(range(args.repetitions)))
    print("cross-validated macro-F1:", ", ".join(f"{s:.3f}" for s in scores))
    majority = args.repetitions // 2 + 1
    by_intent: dict[str, list[str]] = defaultdict(list)
    for index, taken_for in mistakes.items():
        if sum(taken_for.values()) >= majority:
            example = examples[index]
            shown = ", ".join(f"{intent} ×{n}" for intent, n in taken_for.most_common())
            by_intent[example.intent].append(f"  {example.text}  → {shown}")
    for intent in sorted(by_intent, key=lambda name: -len(by_intent[name])):
        if args.intent and intent != args.intent:
            continue
        print(f"{intent} ({len(by_intent[intent])} unsupported)")
        print("\n".join(by_intent[intent]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
