"""After a search: show one guide, ask which one, or say nothing was found — three bands.

:func:`decide` makes that choice from the search result alone, so it can be tested and tuned
without Rasa:

* **confident** — the best matter leads the next one by at least :data:`CONFIDENT_MARGIN` (fused
  score): its guide card (:attr:`Step.CARD`), or the district question first when the matter is
  implemented per district and the place is unknown (:attr:`Step.ASK_REGION`);
* **plausible** — search found candidates (``no_match`` is False) but none stands out:
  "您是不是要办：" with up to :data:`MAX_OPTIONS` of them (:attr:`Step.CHOOSE`); when the leading
  candidates are siblings of one family (户口迁移（…）), the family's question instead
  (:attr:`Step.FAMILY`): its cases in plain words, then the best close candidates outside the
  family (:func:`family_offer`), so a need that only looks like a case is still one tap away;
* **nothing plausible** — say so plainly, how to rephrase, hot matters, 12345 and a person
  (:attr:`Step.NO_MATCH`).

"不在政务服务范围内" is not a band: it is said only when the NLU reads a request as clearly not a
government service *and* the request is not closer to the catalogue than to the NLU's own
out-of-scope examples (:mod:`bot.actions.scope`).

Calibration (``.venv/bin/python -m bot.tools.calibrate_bands --queries …dev_queries.jsonl --queries
eval/written_questions.jsonl --queries eval/fresh_questions.jsonl --margin 0.15 --margin 0.2
--long-question-margin 0.25 …``). dev = the shared development questions, written =
eval/written_questions.jsonl (both were read while the search vocabulary was tuned), fresh =
eval/fresh_questions.jsonl (written after that tuning, by someone who had seen neither the tables
nor the other sets; its figures were then read to choose these margins and the prior's floor, so
it is no longer unseen either). Shares are of the answerable questions;
precision = the card shown is an expected matter; offered right = an expected matter is among the
options or the family's cases; the last column is the negatives' "nothing" / "card"::

    margin  long  set        confident  precision  plausible  offered right  negatives
    0.15    0.15  dev             0.70      1.000      0.30          0.983  0.875 / 0.050
    0.15    0.15  written         0.44      0.983      0.54          0.905  0.857 / 0.000
    0.15    0.15  fresh           0.53      0.886      0.47          0.871  0.800 / 0.000
    0.15    0.25  fresh           0.41      0.934      0.59          0.852  0.800 / 0.000

With a high-frequency prior of 0.4 of which part followed the question's words (the rule before
the fixed 0.2 prior of ``FusionWeights.high_frequency``)::

    margin  long  set        confident  precision  plausible  offered right  negatives
    0.15    0.25  dev             0.72      1.000      0.28          0.991  0.875 / 0.050
    0.15    0.25  written         0.36      0.990      0.62          0.947  0.857 / 0.048
    0.15    0.25  fresh           0.49      0.918      0.51          0.934  0.800 / 0.000
    0.20    0.25  dev             0.65      1.000      0.35          0.993  0.875 / 0.000
    0.20    0.25  written         0.33      1.000      0.64          0.949  0.857 / 0.000
    0.20    0.25  fresh           0.45      0.940      0.55          0.939  0.800 / 0.000
    0.20    0.30  dev             0.64      1.000      0.36          0.993  0.875 / 0.000
    0.20    0.30  written         0.30      1.000      0.67          0.951  0.857 / 0.000
    0.20    0.30  fresh           0.39      0.966      0.61          0.923  0.800 / 0.000

With the fixed prior of 0.2 (smaller, so the leads are smaller too)::

    margin  long  set        confident  precision  plausible  offered right  negatives
    0.15    0.25  dev             0.67      0.996      0.33          0.985  0.875 / 0.050
    0.15    0.25  written         0.32      1.000      0.66          0.967  0.857 / 0.095
    0.15    0.25  fresh           0.41      0.968      0.58          0.943  0.800 / 0.000
    0.175   0.25  dev             0.61      1.000      0.39          0.987  0.875 / 0.025
    0.175   0.25  written         0.30      1.000      0.68          0.968  0.857 / 0.000
    0.175   0.25  fresh           0.40      0.967      0.59          0.944  0.800 / 0.000
    0.20    0.25  dev             0.54      1.000      0.46          0.989  0.875 / 0.000
    0.20    0.25  written         0.29      1.000      0.69          0.968  0.857 / 0.000
    0.20    0.25  fresh           0.37      0.964      0.63          0.947  0.800 / 0.000

0.175, and 0.25 for a message of :data:`LONG_QUESTION_CHARS` characters or more, are used: at
0.15 a development question got the wrong sibling's card (养老金认证 shown as the 机关事业单位
variant) and two written negatives would have got a card had the NLU not refused them first.
Through the servers, against the earlier prior and 0.20: success 99.75 → 99.5 % (dev), 96.3 →
97.4 % (written), 94.0 → 94.7 % (fresh), wrong guides 0 / 0 / 2.7 → 0 / 0 / 1.3 %, first-reply
success 63.0 → 59.5 %, 31.5 → 28.2 %, 40.7 → 37.3 %: fewer guesses, and fewer of them wrong.

Earlier, with one margin of 0.15 for all, one card in nine shown for the fresh questions named
the wrong matter, and every such card in the margin's last 0.1 answered a long message whose
background led search astray (a 低保边缘户 mother's home-care subsidy shown as 低保边缘家庭认定; a student's degree
notarisation as 高校毕业生落户): a long message needs the larger lead. A short one names its need
and keeps its first-reply card: one margin of 0.25 for all would leave a card on the first reply
for fewer than half of the development questions. Through the servers (``daofu eval dialogue``),
fresh questions: wrong guides 6.0 % of the questions at 0.15 for all, 2.7 % at 0.20 / 0.25 with
the earlier prior, with success 86.0 → 92.0 %.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from daofu.messages import MAX_BUTTONS
from indexer.families import Families, Family, Member
from indexer.search import SearchHit, SearchResult
from indexer.text import normalize

CONFIDENT_MARGIN = 0.175
# A long message tells background as well as the need, and the background's words pull search
# towards other matters; its best match must lead by more before it is shown alone (module table).
LONG_CONFIDENT_MARGIN = 0.25
LONG_QUESTION_CHARS = 25
# Plausible candidates this far below the best are not worth a button.
CANDIDATE_SPAN = 1.0
# Buttons of one choice: seven still fit a phone screen and a WeChat reply, and five left the
# right matter off the list where it ranked sixth or seventh (see the calibration table).
MAX_OPTIONS = 7
# A family question shows at least this many cases (all of a small family); the rest of the
# buttons go to the close candidates outside the family.
FAMILY_CASES_SHOWN = 5
# How many ranked matters the decision reads: enough to order the cases of a large family
# (户口迁移 has twelve) by the search, not only the five best matters.
DECISION_DEPTH = 20
# A name word this few matters use (狂犬病, 预防接种证) says which matter is meant.
DISTINCTIVE_WORD_MATTERS = 3
# Words every kind of matter uses: matching them says nothing about which matter is meant.
GENERIC_NAME_WORDS = frozenset("查询 申请 登记 办理 证明 服务 信息 核发 审批 备案 变更 注销 补办 宁波 宁波市".split())


class Step(Enum):
    CARD = "card"
    CHOOSE = "choose"
    FAMILY = "family"
    ASK_REGION = "ask_region"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Decision:
    step: Step
    hits: list[SearchHit] = field(default_factory=list)  # the candidates, best first
    family: Family | None = None
    cases: tuple[Member, ...] = ()  # FAMILY: the family's cases offered, in the order shown
    others: list[SearchHit] = field(default_factory=list)  # FAMILY: other candidates offered after the cases

    @property
    def top(self) -> SearchHit:
        return self.hits[0]


def margin(result: SearchResult) -> float:
    """How far the best matter leads the second (fused score); large when there is only one."""
    if len(result.hits) < 2:
        return float("inf")
    return result.hits[0].score - result.hits[1].score


def required_margin(
    query: str, confident_margin: float = CONFIDENT_MARGIN, long_margin: float = LONG_CONFIDENT_MARGIN
) -> float:
    """The lead the best match needs to be shown alone: more for a long message."""
    return long_margin if len(query.strip()) >= LONG_QUESTION_CHARS else confident_margin


def is_confident(result: SearchResult) -> bool:
    return not result.no_match and bool(result.hits) and margin(result) >= required_margin(result.query)


def decide(
    result: SearchResult,
    families: Families | None = None,
    confident_margin: float = CONFIDENT_MARGIN,
    long_margin: float = LONG_CONFIDENT_MARGIN,
) -> Decision:
    if result.no_match or not result.hits:
        return Decision(Step.NO_MATCH, list(result.hits))
    best = result.hits[0]
    if margin(result) >= required_margin(result.query, confident_margin, long_margin):
        if best.needs_region:
            return Decision(Step.ASK_REGION, [best])
        return Decision(Step.CARD, [best])
    candidates = [hit for hit in result.hits[:DECISION_DEPTH] if hit.score >= best.score - CANDIDATE_SPAN]
    family = leading_family(candidates, families)
    if family is not None:
        cases, others = family_offer(candidates, family, named=family.base in normalize(result.query))
        return Decision(Step.FAMILY, candidates[:MAX_OPTIONS], family, cases, others)
    return Decision(Step.CHOOSE, candidates[:MAX_OPTIONS])


def leading_family(candidates: list[SearchHit], families: Families | None) -> Family | None:
    """The family of the best candidate when another close candidate is its sibling."""
    if families is None or len(candidates) < 2:
        return None
    family = families.of(candidates[0].name)
    if family is None:
        return None
    siblings = sum(1 for hit in candidates[1:3] if families.of(hit.name) is family)
    return family if siblings else None


def family_offer(
    candidates: list[SearchHit],
    family: Family,
    limit: int = MAX_OPTIONS,
    cases_shown: int = FAMILY_CASES_SHOWN,
    named: bool = False,
) -> tuple[tuple[Member, ...], list[SearchHit]]:
    """The cases of ``family`` to offer and the other candidates to offer after them.

    Cases the search ranked come first, best first, then the family's other cases, most common
    first. A question that names the family itself (``named``: "户口迁移要怎么办") is asking which
    case applies, and so is one whose best ``limit`` candidates are all of the family (a sick
    person's 公积金 question ranks eight 住房公积金提取 cases above anything else, with 重大疾病
    seventh): every case is offered then (as many as a message holds). Otherwise a question that
    tells a situation gets ``limit`` buttons in all, and a family larger than ``cases_shown`` gives
    up its least likely cases to the close candidates outside it: a question about a household
    register may rank 户口迁移's cases first while the need is a 户口注销 case, and twelve
    户口迁移 buttons would push that off the list.
    """
    ranked = [member for hit in candidates if (member := family.member(hit.name)) is not None]
    cases = list(dict.fromkeys(ranked + [m for m in family.members if m not in ranked]))
    others = [hit for hit in candidates if family.member(hit.name) is None]
    all_of_the_family = all(family.member(hit.name) is not None for hit in candidates[:limit])
    if named or all_of_the_family:
        shown = min(len(cases), MAX_BUTTONS)
        return tuple(cases[:shown]), others[: max(0, min(limit, MAX_BUTTONS) - shown)]
    shown = min(len(cases), limit, max(cases_shown, limit - len(others)))
    return tuple(cases[:shown]), others[: limit - shown]


def names_the_matter(hit: SearchHit, name_words: set[str]) -> bool:
    """Whether the question used at least two of the matter's own name words (not generic ones)."""
    return len(_matched_name_words(hit, name_words)) >= 2


def names_it_distinctly(hit: SearchHit, name_words: set[str], matters_named_with: Callable[[str], int]) -> bool:
    """Whether the question used at least two of the matter's name words that at most
    :data:`DISTINCTIVE_WORD_MATTERS` matters use (``matters_named_with``: how many use a word):
    "被狗咬了去哪打狂犬疫苗" names 狂犬病暴露后医学处置 that way, whatever else it resembles."""
    return len(_distinctive_name_words(hit, name_words, matters_named_with)) >= 2


def names_it_by_a_long_word(hit: SearchHit, name_words: set[str], matters_named_with: Callable[[str], int]) -> bool:
    """Whether the question used one of the matter's name words of four characters or more that
    at most :data:`DISTINCTIVE_WORD_MATTERS` matters use (出生医学证明, 预防接种证): one such word
    names the thing the person holds, if not yet the case."""
    return any(len(word) >= 4 for word in _distinctive_name_words(hit, name_words, matters_named_with))


def _distinctive_name_words(hit: SearchHit, name_words: set[str], matters_named_with: Callable[[str], int]) -> set[str]:
    matched = _matched_name_words(hit, name_words)
    return {word for word in matched if matters_named_with(word) <= DISTINCTIVE_WORD_MATTERS}


def _matched_name_words(hit: SearchHit, name_words: set[str]) -> set[str]:
    return {word for word in hit.why if len(word) >= 2 and word in name_words and word not in GENERIC_NAME_WORDS}


def best_name_match(text: str, names: list[str]) -> int | None:
    """The option ``text`` names by its distinctive words ("换领那个", "子女投靠父母"), if one stands out.

    The longest run of characters shared with each name decides, so word order counts (子女投靠父母
    is not 父母投靠子女); a tie means the words are shared by several options and nothing is chosen.
    """
    if not text:
        return None
    scores = [_longest_common_run(text, name) for name in names]
    best = max(scores, default=0)
    if best >= 2 and scores.count(best) == 1:
        return scores.index(best)
    return None


def _longest_common_run(a: str, b: str) -> int:
    best = 0
    for start in range(len(a)):
        for end in range(start + best + 1, len(a) + 1):
            if a[start:end] in b:
                best = end - start
            else:
                break
    return best
