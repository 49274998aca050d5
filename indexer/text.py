"""Chinese text handling for search: normalisation, jieba with the domain dictionary, synonyms.

People type 驾照 and 社保卡; the catalogue says 机动车驾驶证 and 社会保障卡. Three things bridge
that gap here:

* a **domain dictionary** generated from the catalogue (matter names and their parts, aliases,
  departments, material names, places), so jieba keeps 居民身份证 or 南门街道 as words; the same
  file is what Rasa's ``JiebaTokenizer`` loads (``dictionary_path`` in ``config.yml``);
* a **curated synonym table** (``indexer/data/synonyms.tsv``) mapping colloquial words to
  official ones; a question is expanded with the official words before it is scored;
* **normalisation** (NFKC, lower case) so full-width letters and digits match.

Example::

    analyzer = TextAnalyzer(dictionary=Path("var/index/jieba/daofu.dict"))
    analyzer.tokens("社保卡丢了咋补办")
    # ['社保', '社保卡', '丢', '补办']
    analyzer.expand("社保卡丢了咋补办")
    # ['社会保障卡']
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.word_tables import read_pairs

log = logging.getLogger(__name__)

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.tsv"

# Function words and question words that say nothing about which service is meant.
STOPWORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 哦 嘛 么 着 过 和 与 及 或 把 被 给 在 到 从 向 对 跟 让 由 于 为 以 而 且
    我 我们 你 你们 他 她 它 他们 自己 咱 咱们 这 那 这个 那个 这边 那边 这里 那里 哪 哪个 哪里 哪儿
    什么 怎么 怎样 怎么样 如何 咋 咋办 啥 多少 多久 几 是 有 没 没有 不 要 想 能 能不能 可以 可不可以
    会 得 需要 应该 还 也 都 就 才 又 再 很 太 挺 一下 一个 一些 请问 你好 您好 谢谢 麻烦 请 帮 帮我
    办 办理 如何办理 怎么办 怎么弄 弄 搞 去 来 现在 已经 刚 刚刚 一直 之前 以后 然后 但是 因为 所以
    可 嗯 喂 呃 哈 吗 么 呗 啦 哇 嘞
    """.split()
)

_SPLIT_NAME = re.compile(r"[（）()、，,；;：:\s/·\-—]+")
_WORD_CHARS = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")


def normalize(text: str) -> str:
    """NFKC + lower case + collapsed whitespace: the form every comparison uses."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def name_parts(name: str) -> list[str]:
    """A matter name and the pieces between its brackets and separators, e.g. the case in （）."""
    parts = [part for part in _SPLIT_NAME.split(normalize(name)) if len(part) >= 2]
    return parts


@dataclass(frozen=True)
class Synonym:
    colloquial: str
    official: tuple[str, ...]


def load_synonyms(path: Path = SYNONYMS_FILE) -> list[Synonym]:
    """Read the synonym table; a malformed line is an error that names the line."""
    synonyms: list[Synonym] = []
    for colloquial, listed in read_pairs(path, "colloquial<TAB>official|official"):
        official = tuple(normalize(word) for word in listed.split("|") if word.strip())
        synonyms.append(Synonym(normalize(colloquial), official))
    return synonyms


class TextAnalyzer:
    """Tokenise and expand text the same way for documents and questions."""

    def __init__(self, dictionary: Path | None = None, synonyms: list[Synonym] | None = None) -> None:
        import jieba

        self._jieba = jieba.Tokenizer()
        jieba.setLogLevel(logging.WARNING)
        self._jieba.initialize()
        if dictionary is not None and dictionary.exists():
            self._jieba.load_userdict(str(dictionary))
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        # Longest colloquial forms first, so 社保卡 wins over 社保 where both match.
        self._synonym_pattern = re.compile(
            "|".join(re.escape(s.colloquial) for s in sorted(self.synonyms, key=lambda s: -len(s.colloquial)))
        )
        self._official = {s.colloquial: s.official for s in self.synonyms}
        for synonym in self.synonyms:
            for word in (synonym.colloquial, *synonym.official):
                if _WORD_CHARS.fullmatch(word):
                    self._jieba.add_word(word, freq=2000)

    def tokens(self, text: str) -> list[str]:
        """Search-mode jieba tokens (words and their sub-words), stopwords and punctuation removed."""
        words = self._jieba.cut_for_search(normalize(text), HMM=True)
        return [w for w in words if w.strip() and w not in STOPWORDS and _WORD_CHARS.fullmatch(w)]

    def dictionary_words(self, text: str) -> list[str]:
        """``text`` cut into the dictionaries' words only (no guessed new words; unknown characters alone)."""
        return list(self._jieba.cut(text, HMM=False))

    def word_frequency(self, word: str) -> int:
        """How often jieba's dictionaries (general and domain) count ``word``; 0 for no word."""
        return int(self._jieba.FREQ.get(word, 0) or 0)

    def expand(self, text: str) -> list[str]:
        """Official words for every colloquial word found in ``text`` (in order, no repeats)."""
        seen: dict[str, None] = {}
        for match in self._synonym_pattern.finditer(normalize(text)):
            for word in self._official[match.group(0)]:
                seen.setdefault(word, None)
        return list(seen)

    def query_tokens(self, text: str) -> list[str]:
        """Tokens of the question plus tokens of the official words its colloquial words stand for."""
        tokens = self.tokens(text)
        for word in self.expand(text):
            tokens.extend(self.tokens(word))
        return tokens


def write_dictionary(words: Iterable[tuple[str, int, str]], path: Path) -> int:
    """Write a jieba user dictionary (``word freq tag`` per line), sorted and de-duplicated.

    Words with characters jieba cannot hold in one token (spaces, brackets) are skipped: jieba
    splits text at such characters before it looks words up.
    """
    best: dict[str, tuple[int, str]] = {}
    for word, freq, tag in words:
        word = normalize(word)
        if len(word) < 2 or not _WORD_CHARS.fullmatch(word):
            continue
        if word not in best or best[word][0] < freq:
            best[word] = (freq, tag)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{word} {freq} {tag}" for word, (freq, tag) in sorted(best.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
