"""The gazetteer entity extractor finds places, applicant types and ratings as the examples annotate them.

``bot.components.gazetteer`` runs inside Rasa (``.venv-rasa``), so it is driven there in one
subprocess: trained on the project's own NLU data and lookup table with the JiebaTokenizer and the
domain dictionary (as ``rasa train`` does), stored and loaded through Rasa's model storage, then fed
messages with the intent the classifier would have given them.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from daofu.config import PROJECT_ROOT, load_settings
from daofu.processes import quiet_rasa_environment

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"

DRIVER = r"""
import json, sys, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from bot.components.gazetteer import GazetteerEntityExtractor

request = json.load(sys.stdin)
context = ExecutionContext(GraphSchema({}), node_name="gazetteer")
tokenizer = JiebaTokenizer.create(
    {**JiebaTokenizer.get_default_config(), "dictionary_path": request["dictionary"]}, None, None, context
)
data = load_data("bot/data/nlu.yml").merge(load_data("bot/data/regions_lookup.yml"))
tokenizer.process_training_data(data)
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
resource = Resource("gazetteer")
config = {"only_for_intents": {"applicant_type": ["inform_applicant"], "rating": ["rate_service"]}}
trained = GazetteerEntityExtractor.create(config, storage, resource, context)
trained.train(data)
loaded = GazetteerEntityExtractor.load(config, storage, resource, context)
answers = []
for text, intent in request["messages"]:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 1.0}})
    tokenizer.process([message])
    loaded.process([message])
    answers.append([[e["entity"], e["value"], text[e["start"]:e["end"]]] for e in message.get(ENTITIES, [])])
json.dump({"answers": answers, "same_phrases": trained.phrases == loaded.phrases}, sys.stdout)
"""

CASES = [
    # (text, intent the classifier gave, expected [entity, value, span] list)
    ("我在鄞州区", "inform_region", [["region", "鄞州区", "鄞州区"]]),
    ("我住在慈溪", "inform_region", [["region", "慈溪", "慈溪"]]),
    ("我在银州", "inform_region", [["region", "鄞州", "银州"]]),  # a typo the examples annotate
    ("象山哪个海滩好玩", "out_of_scope", [["region", "象山", "象山"]]),
    ("开公司要什么材料", "ask_service", []),  # 公司 names the matter here, not who applies
    ("是公司办", "inform_applicant", [["applicant_type", "企业", "公司"]]),
    ("给三颗星", "rate_service", [["rating", "3", "三颗星"]]),
    ("十分不满意", "rate_service", [["rating", "1", "十分不满意"]]),
    ("非常满意", "rate_service", [["rating", "5", "非常满意"]]),
    ("打4分吧", "rate_service", [["rating", "4", "4分"]]),
    ("很糟糕", "rate_service", [["rating", "1", "很糟糕"]]),
    ("非常满意这个答案吗", "ask_service", []),  # a rating only as a rating
    ("今天天气怎么样", "chitchat", []),
]


@pytest.fixture(scope="module")
def answers() -> dict:
    if not RASA_PYTHON.exists():
        pytest.fail(f"{RASA_PYTHON} is missing; run the setup (scripts/run.sh) to create the Rasa environment")
    dictionary = load_settings().var_dir / "index" / "jieba"
    if not dictionary.is_dir():
        pytest.fail(f"no jieba dictionary at {dictionary}; run `daofu index build` (the setup does it)")
    request = {"dictionary": str(dictionary), "messages": [[text, intent] for text, intent, _ in CASES]}
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", DRIVER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=quiet_rasa_environment(),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case[0] for case in CASES])
def test_entities_as_annotated(answers: dict, index: int) -> None:
    text, intent, expected = CASES[index]
    assert answers["answers"][index] == expected, f"{text} ({intent})"


def test_the_phrases_survive_storing_and_loading(answers: dict) -> None:
    assert answers["same_phrases"]
