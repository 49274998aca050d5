"""Re-homing Guangdong's crawled service items to Ningbo.

``gd_policy_items.jsonl`` holds 2,262 real items from the Guangdong service portal, from the
provincial departments (省级) and Guangzhou's municipal ones (市级). They make the long tail of the
demo catalogue once they read like Ningbo items:

1. **Department.** Each Guangdong body maps to its Ningbo counterpart (广东省公安厅 and 广州市公安局
   → 宁波市公安局, 广东省林业局 → 宁波市自然资源和规划局, …; :data:`DEPARTMENT_COUNTERPARTS`).
   Bodies with no counterpart in Ningbo's government service catalogue — research and testing
   institutes, professional associations, enterprises, and bodies whose remit is Guangdong or the
   South China Sea — are dropped (:data:`NO_COUNTERPART`).
2. **Not a service.** The crawl caught portal news ("…召开…座谈会", "…荣获…称号") and portal
   pages; those are dropped (:data:`NOT_A_SERVICE`).
3. **Only in Guangdong.** Items whose subject exists only there (Hong Kong/Macau law-firm
   partnerships in Guangdong, the 优粤卡 talent card, Lingnan heritage, named Guangdong venues and
   events…) would mislead in Ningbo and are dropped (:data:`GUANGDONG_ONLY`).
4. **Wording.** In names, Guangdong's place and institution names become Ningbo's (广东省立中山图书馆
   → 宁波图书馆, 广东省/广州市 → 宁波市); in free text (conditions, legal basis) they become the
   neutral 本省/本市, and Guangdong document numbers (粤…〔2017〕200号) become "（有关规定）", so
   that no Guangdong regulation is passed off as a Zhejiang one.
5. **Duplicates.** Items that are the same matter after re-homing (the same name; the portal lists
   many matters once per sub-case or per issuing office) are merged into one; items that duplicate
   one of Ningbo's 400 core matters are dropped in favour of the core matter.

Every dropped or merged item is recorded with its reason in :class:`RehomingReport`, which the
builder prints and writes to ``var/``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.errors import BuildInputError
from knowledge.records import ITEM_TYPES, MATERIAL_FORMS, FaqEntry, Material, MatterRecord, Online, sha256_hex

# Guangdong body → Ningbo counterpart.
DEPARTMENT_COUNTERPARTS: dict[str, str] = {
    "广东省司法厅": "宁波市司法局",
    "广州市司法局": "宁波市司法局",
    "广东省文化和旅游厅": "宁波市文化广电旅游局",
    "广东省人力资源和社会保障厅": "宁波市人力资源和社会保障局",
    "广州市人力资源和社会保障局": "宁波市人力资源和社会保障局",
    "广东省人事考试局": "宁波市人力资源和社会保障局",
    "广东省高等学校毕业生就业指导中心": "宁波市人力资源和社会保障局",
    "广东省公安厅": "宁波市公安局",
    "广州市公安局": "宁波市公安局",
    "广东省农业农村厅": "宁波市农业农村局",
    "广东省水利厅": "宁波市水利局",
    "广东省交通运输厅": "宁波市交通运输局",
    "广东省道路运输事务中心": "宁波市交通运输局",
    "广东省林业局": "宁波市自然资源和规划局",
    "广东省自然资源厅": "宁波市自然资源和规划局",
    "广州市规划和自然资源局": "宁波市自然资源和规划局",
    "广东省体育局": "宁波市体育局",
    "广东省卫生健康委员会": "宁波市卫生健康委员会",
    "广东省中医药局": "宁波市卫生健康委员会",
    "广东省市场监督管理局": "宁波市市场监督管理局",
    "广东省药品监督管理局": "宁波市市场监督管理局",
    "国家税务总局广东省税务局": "国家税务总局宁波市税务局",
    "广东省住房和城乡建设厅": "宁波市住房和城乡建设局",
    "广州市住房和城乡建设局": "宁波市住房和城乡建设局",
    "广东省生态环境厅": "宁波市生态环境局",
    "广州市生态环境局": "宁波市生态环境局",
    "广东省教育厅": "宁波市教育局",
    "广州市教育局": "宁波市教育局",
    "广东电网有限责任公司": "国网宁波供电公司",
    "广州市工业和信息化局": "宁波市经济和信息化局",
    "广东省工业和信息化厅": "宁波市经济和信息化局",
    "广东省民族宗教事务委员会": "宁波市民族宗教事务局",
    "广州市民族宗教事务局": "宁波市民族宗教事务局",
    "广东省统计局": "宁波市统计局",
    "国家统计局广东调查总队": "国家统计局宁波调查队",
    "广东省科学技术厅": "宁波市科学技术局",
    "广东省民政厅": "宁波市民政局",
    "广东省社会组织管理局": "宁波市民政局",
    "广东省残疾人联合会": "宁波市残疾人联合会",
    "广东省残疾人辅助器具资源中心": "宁波市残疾人联合会",
    "广东省财政厅": "宁波市财政局",
    "广东省商务厅": "宁波市商务局",
    "中共广东省委军民融合发展委员会办公室（广东省人民防空办公室）": "宁波市人民防空办公室",
    "中共广东省委宣传部（广东省新闻出版局、广东省版权局、广东省电影局）": "中共宁波市委宣传部（宁波市新闻出版局）",
    "广东省退役军人事务厅": "宁波市退役军人事务局",
    "中国共产主义青年团广东省委员会": "共青团宁波市委员会",
    "广东省消防救援总队": "宁波市消防救援支队",
    "中华人民共和国广东海事局": "宁波海事局",
    "广东省发展和改革委员会": "宁波市发展和改革委员会",
    "广东省档案局": "宁波市档案馆",
    "广东省公共资源交易中心": "宁波市公共资源交易中心",
    "广东省供销合作联社": "宁波市供销合作社",
    "广东科学中心": "宁波科学探索中心",
    "广东省立中山图书馆(广东省古籍保护中心)": "宁波图书馆",
    "中国人民银行广州分行(国家外汇管理局广东省分局)": "中国人民银行宁波市分行（国家外汇管理局宁波市分局）",
    "中华人民共和国广州海关": "宁波海关",
    "中华人民共和国黄埔海关": "宁波海关",
    "中国国际贸易促进委员会广东省委员会": "中国国际贸易促进委员会宁波市委员会",
    "中国银保监会广东监管局": "中国银保监会宁波监管局",
    "中国证券监督管理委员会广东监管局": "中国证券监督管理委员会宁波监管局",
    "广东省地震局": "宁波市应急管理局",
    "广东省应急管理厅": "宁波市应急管理局",
    "广东省科学技术协会": "宁波市科学技术协会",
    "广东省总工会": "宁波市总工会",
    "广东省文联": "宁波市文学艺术界联合会",
    "中共广东省委外事工作委员会办公室": "宁波市人民政府外事办公室",
    "广东省消费者委员会": "宁波市消费者权益保护委员会",
    "广东省红十字会": "宁波市红十字会",
    "省法院": "宁波市中级人民法院",
    "省检察院": "宁波市人民检察院",
    "广州海事法院": "宁波海事法院",
    "广东省邮政管理局": "宁波市邮政管理局",
    "广东省工商业联合会": "宁波市工商业联合会",
    "广东省地方金融监督管理局": "宁波市地方金融监督管理局",
    "广东省审计厅": "宁波市审计局",
    "广东省妇女联合会": "宁波市妇女联合会",
    "省侨联": "宁波市归国华侨联合会",
}

# Guangdong bodies with no counterpart in Ningbo's government service catalogue, by why.
NO_COUNTERPART: dict[str, str] = {
    "中国水产科学研究院珠江水产研究所": "national research institute based in Guangzhou",
    "广州空港经济区管理委员会": "Guangzhou airport economic zone; Ningbo has no such zone",
    "广东省医疗器械质量监督检验所": "testing institute",
    "广东省医学实验动物中心": "research centre",
    "广东省医学学术交流中心(广东省医学情报研究所)": "research centre",
    "广东省食品安全学会": "professional association",
    "广东省珠宝玉石及贵金属检测中心": "testing institute",
    "广东省戒毒管理局": "provincial prison-administration body",
    "广东省不动产登记与估价专业人员协会": "professional association",
    "广东省科学技术情报研究所": "research institute",
    "广东省微生物研究所": "research institute",
    "广东省信用管理师协会": "professional association",
    "广东省农业科学院植物保护研究所": "research institute",
    "广东省特种设备检测研究院中山检测院": "testing institute in another Guangdong city",
    "广东省特种设备检测研究院湛江检测院": "testing institute in another Guangdong city",
    "广东省特种设备检测研究院珠海检测院": "testing institute in another Guangdong city",
    "广东省特种设备检测研究院揭阳检测院": "testing institute in another Guangdong city",
    "广东省特种设备检测研究院汕头检测院": "testing institute in another Guangdong city",
    "广东省特种设备检测研究院(广东省特种设备事故调查中心)": "testing institute",
    "广东省新材料研究所": "research institute",
    "广东省农业科学院": "research academy",
    "港珠澳大桥管理局": "Hong Kong–Zhuhai–Macao bridge authority",
    "广东省农垦集团公司": "state-owned enterprise",
    "海关总署广东分署": "customs sub-administration found only in Guangdong",
    "中华人民共和国海关总署广东分署": "customs sub-administration found only in Guangdong",
    "广东省作家协会": "professional association",
    "广东省社会科学院": "research academy",
    "广东省通讯终端产品质量监督检验中心": "testing institute",
    "广东省城乡规划设计研究院": "design institute",
    "广东省生产许可证审查服务中心": "technical service centre",
    "广东产品质量监督检验研究院": "testing institute",
    "广东省林业科学研究院": "research institute",
    "广东省技术经济研究发展中心(广东省科技评估中心)": "research centre",
    "广东省WTO及TBT通报咨询研究中心": "research centre",
    "广东省科技图书馆": "research library",
    "广东省地质装备中心": "technical centre",
    "广东省稀有金属研究所": "research institute",
    "广东省林业调查规划院": "design institute",
    "广东省农业科学院环境园艺研究所": "research institute",
    "广东省公共卫生研究院": "research institute",
    "广东省核工业地质调查院": "geological survey institute",
    "广东省智能制造研究所": "research institute",
    "广东省文献编目中心": "library technical centre",
    "广州地理研究所": "research institute",
    "广东省医疗器械研究所": "research institute",
    "广东省生态环境技术研究所": "research institute",
    "南方联合产权交易中心": "South China exchange",
    "广东省信息安全测评中心": "testing centre",
    "广东造船工程学会": "professional association",
    "广东省公路学会": "professional association",
    "广东省制造业协会": "professional association",
    "广东省留学服务协会": "professional association",
    "广东省智能机器人研究院": "research institute",
    "广东省典当行业协会": "professional association",
    "广东省医疗行业协会": "professional association",
    "广东省农业科学院水稻研究所": "research institute",
    "广东省农业科学院蔬菜研究所": "research institute",
    "广东省暖心公益法律服务中心": "non-governmental organisation",
    "广东省艺术研究所": "research institute",
    "广东省农业科学院农业资源与环境研究所": "research institute",
    "广东省测试分析研究所": "research institute",
    "广东省省情调查研究中心": "research centre",
    "广东省教育研究院": "research institute",
    "广东省人民政府地方志办公室": "no confirmed Ningbo counterpart",
    "广东省海洋综合执法总队": "provincial maritime law-enforcement corps",
    "广东省科技基础条件平台中心": "technical centre",
    "广东省国土资源档案馆": "provincial archive",
    "广东省地质局": "geological bureau",
    "广东省人民医院": "hospital",
    "中国民用航空中南地区管理局": "regional authority for South-Central China",
    "广东省物流行业协会": "professional association",
    "广东省人民政府参事室 (广东省人民政府文史研究馆)": "advisory body",
    "广东省政府采购中心": "provincial procurement agency",
    "广东省建筑设计研究院": "design institute",
    "广东省工业分析检测中心": "testing centre",
    "广东省计量科学研究院": "research institute",
    "广东省科技企业孵化器协会": "professional association",
    "广东省珠宝玉石交易中心": "exchange",
    "自然资源部南海局": "South China Sea authority",
    "广东省有色金属地质局": "geological bureau",
    "广州海洋地质调查局": "geological survey",
    "广东省交通集团有限公司": "state-owned enterprise",
    "交通运输部南海救助局": "South China Sea rescue service",
    "水利部珠江水利委员会": "Pearl River basin authority",
    "广东省西江流域管理局": "Xijiang basin authority",
    "广东海上丝绸之路博物馆": "museum",
    "广东广播电视台": "broadcaster",
    "广东省药品检验所(广东省药品质量研究所、广东省口岸药品检验所)": "testing institute",
    "广东省农业科学院动物科学研究所（畜牧研究所）": "research institute",
    "广东省中药研究所": "research institute",
    "广东省石油与精细化工研究院": "research institute",
    "广东省知识产权研究与发展中心(广东省知识产权维权援助中心)": "research centre",
    "广东省人口发展研究院": "research institute",
    "广东省标准化研究院(广东省组织机构代码管理中心)": "research institute",
    "广东省食品流通协会": "professional association",
    "广东省宏观经济信息分析中心": "research centre",
    "广东省农业科学院农业生物基因研究中心": "research institute",
    "广东省农业科学院农业经济与农村发展研究所": "research institute",
    "广州市国家安全局": "national security organ; not in the public service catalogue",
}

# Portal news, pages and dated exhibitions: not services.
NOT_A_SERVICE = re.compile(
    r"召开|荣获|举行|开幕|开班|圆满|被评为|入选|获.*奖项|在.+举办|举办.*活动|座谈会|呈献|展演|"
    r"概况|馆务介绍|招聘公告|专题$|现代舞团|品牌活动|志愿服务工作|主题活动|年会|党课|被认定为|"
    r"——.+展(览)?$"
)

# Subjects that exist only in Guangdong.
GUANGDONG_ONLY = re.compile(
    r"香港、澳门律师事务所与广东|优粤卡|岭南|南粤|粤港澳|荔枝|广东音乐|广东稀有剧种|雷州石狗|明代广东|"
    r"广东省各地“一号窗口|深圳市除外|港珠澳|珠江|南海|广东省立中山图书馆援藏|海上丝绸之路|天地图·广东|"
    r"广东医学|广东医改|广东卫生健康年鉴|广东造船学会|广东省第十五届|广东省第一期|广东艺术剧院|"
    r"广东省男子篮球联赛|广东省足球协会|广东运动员|广东奥林匹克体育中心|广东省奥林匹克体育中心|"
    r"广东省人民体育场|广州三年展|第十七届广东种业博览会|2019年|2018年|2019广东|"
    r"省港杯|粤澳杯|粤剧|星海音乐厅|粤商|驻粤|在粤"
)

# Guangdong institutions with a Ningbo counterpart, replaced in names (longest first).
NAME_INSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("广东省立中山图书馆", "宁波图书馆"),
    ("省立中山图书馆", "宁波图书馆"),
    ("广东美术馆", "宁波美术馆"),
    ("广东省文化馆", "宁波市文化馆"),
    ("广东省人事考试局", "宁波市人事考试院"),
    ("广东省科学技术奖", "宁波市科学技术奖"),
    ("广州海关", "宁波海关"),
    ("海关总署广东分署", "宁波海关"),
    ("中国银保监会广东监管局", "中国银保监会宁波监管局"),
    ("广东法律服务网", "浙江法律服务网"),
    ("广东政务服务网", "浙江政务服务网"),
)

# Place names in names; 省内/本省 become 本市 because the matter is now a city one.
NAME_PLACES: tuple[tuple[str, str], ...] = (
    ("广东省（深圳市除外）", "宁波市"),
    ("省、市、县", "市、县"),
    ("（广东省）", "（宁波市）"),
    ("（广州考点）", "（宁波考点）"),
    ("广东省", "宁波市"),
    ("广州市", "宁波市"),
    ("广东境内", "境内"),
    ("广东", "宁波"),
    ("广州", "宁波"),
    ("省内", "市内"),
    ("省级", "市级"),
    ("入粤", "入甬"),
)

# Provincial bodies named in item names, once they are the city's: 宁波市水利厅 → 宁波市水利局.
PROVINCIAL_BUREAU = re.compile(r"宁波市([\u4e00-\u9fff]{2,8}?)厅")

# Place names in free text: neutral words, so Guangdong rules are not presented as Ningbo's.
TEXT_PLACES: tuple[tuple[str, str], ...] = (
    ("广东省", "本省"),
    ("广州市", "本市"),
    ("广东", "本省"),
    ("广州", "本市"),
    ("入粤", "入甬"),
    ("驻粤", "驻本地"),
    ("粤港澳", "跨境"),
    ("粤港", "跨境"),
    ("粤澳", "跨境"),
)

# Guangdong document numbers (粤教基函〔2017〕200号, 粤民宗发[2012]45号): a Ningbo guide must not cite
# them as its own rules, so they become a neutral reference.
GD_DOCUMENT_NUMBER = re.compile(r"[（(]?粤[\u4e00-\u9fff]{1,8}[〔\[（(【]\d{4}[〕\]）)】]\s*\d+\s*号[）)]?")

UNKNOWN = "无"
# ``matter_level`` of the items listed by Guangzhou's municipal departments (the province's are 省级);
# Guangdong's own vocabulary, not a level of the Ningbo catalogue.
GUANGZHOU_MATTER_LEVEL = "市级"
DAYS = re.compile(r"^(\d+)\((工作日|自然日)\)$")
LAW_TITLE = re.compile(r"《[^《》]{2,60}》")


@dataclass(frozen=True, slots=True)
class RehomedItem:
    """A Guangdong item turned into a Ningbo city matter plus the guide details it brings along."""

    matter: MatterRecord
    department: str
    guangzhou_level: bool  # listed by a Guangzhou municipal department rather than the province
    conditions: str
    materials: tuple[Material, ...]
    legal_days: int
    promised_days: int
    online: Online
    source_task_codes: tuple[str, ...]


@dataclass
class RehomingReport:
    """What happened to each of the 2,262 items, for the build report."""

    total: int = 0
    kept: int = 0
    dropped: list[tuple[str, str, str, str]] = field(default_factory=list)  # (reason, detail, dept, name)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (kept name, merged TASK_CODE)

    def dropped_by_reason(self) -> Counter[str]:
        return Counter(reason for reason, _, _, _ in self.dropped)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "kept_matters": self.kept,
            "dropped_by_reason": dict(sorted(self.dropped_by_reason().items())),
            "dropped": [
                {"reason": reason, "detail": detail, "department": dept, "name": name}
                for reason, detail, dept, name in self.dropped
            ],
            "merged_duplicates": [{"kept": kept, "task_code": code} for kept, code in self.merged],
        }


def rename(name: str) -> str:
    """Ningbo wording for a Guangdong item name."""
    for old, new in NAME_INSTITUTIONS + NAME_PLACES:
        name = name.replace(old, new)
    if name.startswith("省外"):
        name = "市外" + name[2:]
    elif name.startswith("省") and not name.startswith("省份"):
        name = "宁波市" + name[1:]
    name = PROVINCIAL_BUREAU.sub(r"宁波市\1局", name)
    return re.sub(r"\s+", "", name).replace("宁波市宁波市", "宁波市")


def neutral_text(text: str) -> str:
    """Free text with Guangdong's place names replaced by neutral ones (本省/本市)."""
    text = GD_DOCUMENT_NUMBER.sub("（有关规定）", text)
    for old, new in TEXT_PLACES:
        text = text.replace(old, new)
    return text.replace("粤", "本省").strip()


def _days(raw: str) -> int | None:
    match = DAYS.match(raw.strip())
    return int(match.group(1)) if match else None


def _time_limits(item: dict[str, Any]) -> tuple[int, int]:
    """(legal_days, promised_days). Missing values take the other one; none at all means the
    portal lists no time limit, which for these (mostly enquiry) services means on the spot."""
    legal, promised = _days(item["handle_time"]), _days(item["handle_time_limit"])
    if legal is None and promised is None:
        return 0, 0
    if legal is None:
        legal = promised
    if promised is None:
        promised = legal
    assert legal is not None and promised is not None
    return max(legal, promised), promised


def _material_form(name: str) -> str:
    if "复印件" in name and "原件" in name:
        return "原件和复印件"
    if "复印件" in name:
        return "复印件"
    if "电子" in name or "扫描" in name or "照片" in name:
        return "电子材料"
    return "原件"


def _materials(item: dict[str, Any]) -> tuple[Material, ...]:
    raw = item["material_intro"]
    names = raw if isinstance(raw, list) else []
    out = []
    seen = set()
    for name in names:
        clean = neutral_text(str(name)).strip("。；; ")
        if not clean or clean == UNKNOWN or clean in seen:
            continue
        seen.add(clean)
        out.append(Material(clean, _material_form(clean), 1, True, False, ""))
    return tuple(out)


def _aliases(item: dict[str, Any], name: str) -> tuple[str, ...]:
    out: list[str] = []
    for key in ("matter_short", "matter_daily"):
        for part in re.split(r"[，,、；;]", item[key]):
            alias = rename(part.strip())
            if alias and alias != UNKNOWN and alias != name and alias not in out and len(alias) >= 2:
                out.append(alias)
    return tuple(out[:3])


def _service_objects(item: dict[str, Any]) -> tuple[str, ...]:
    """Guangdong's seven kinds of applicant become Zhejiang's two: 自然人 and 法人 (every kind of
    organisation)."""
    kinds = set(item["service_object_name"])
    out = []
    if "自然人" in kinds:
        out.append("自然人")
    if kinds - {"自然人"}:
        out.append("法人")
    return tuple(out) or ("自然人",)


def _theme(item: dict[str, Any]) -> str:
    themes = [theme for theme in item["theme_category"] if theme and theme != "其他"]
    return themes[0] if themes else "其他"


def _legal_basis(conditions: str) -> str:
    titles = []
    for title in LAW_TITLE.findall(conditions):
        if title not in titles:
            titles.append(title)
    return "、".join(titles[:4])


def _conditions(item: dict[str, Any]) -> str:
    text = item["accept_standard"].strip()
    if text in {UNKNOWN, "无。", "无受理条件", "无条件受理", ""}:
        return "无特定受理条件，按要求提交申请即可受理。" if text in {"无受理条件", "无条件受理"} else ""
    return neutral_text(text)


def _online(item: dict[str, Any]) -> Online:
    web = item["ONLINECHECK"] == "1"
    visits = int(item["visit_number"]) if item["visit_number"].isdigit() else 1
    return Online(web=web, mobile=web, zero_visit=visits == 0, max_visits=visits)


def matter_code_for(name: str) -> str:
    """Stable code of a re-homed matter, from its Ningbo name (not from the row's position)."""
    return "NBG-" + sha256_hex(name)[:10].upper()


def _drop_reason(item: dict[str, Any], dept: str, name: str) -> tuple[str, str] | None:
    if dept in NO_COUNTERPART:
        return "no Ningbo counterpart", NO_COUNTERPART[dept]
    if dept not in DEPARTMENT_COUNTERPARTS:
        return "no Ningbo counterpart", "department not in the counterpart table"
    if NOT_A_SERVICE.search(name):
        return "not a service", "portal news or page"
    if GUANGDONG_ONLY.search(name):
        return "only in Guangdong", "subject exists only in Guangdong or is a dated Guangdong event"
    if item["matter_type"] not in ITEM_TYPES:
        return "unknown matter type", item["matter_type"]
    return None


def _completeness(item: dict[str, Any]) -> tuple[int, int, str]:
    """Which of several duplicate items to keep: more materials, then longer conditions, then the
    smallest task code (so the choice never depends on file order)."""
    materials = item["material_intro"] if isinstance(item["material_intro"], list) else []
    return (-len(materials), -len(item["accept_standard"]), item["TASK_CODE"])


def read_items(path: Path) -> list[dict[str, Any]]:
    items = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        items.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise BuildInputError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
    except FileNotFoundError:
        raise BuildInputError(f"{path} is missing; restore it from version control") from None
    return items


def rehome(items: list[dict[str, Any]], core_names: set[str]) -> tuple[list[RehomedItem], RehomingReport]:
    """Turn the Guangdong items into Ningbo matters; see the module doc for the rules."""
    report = RehomingReport(total=len(items))
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(items, key=lambda item: item["TASK_CODE"]):
        dept = item["DEPT_NAME"].strip()
        original = item["matter_name"].strip() or item["TASK_NAME"].strip()
        reason = _drop_reason(item, dept, original)
        if reason:
            report.dropped.append((reason[0], reason[1], dept, original))
            continue
        name = rename(original)
        if name in core_names:
            report.dropped.append(("duplicate of a core matter", name, dept, original))
            continue
        groups.setdefault(name, []).append(item)

    rehomed = []
    for name in sorted(groups):
        group = sorted(groups[name], key=_completeness)
        best = group[0]
        for other in group[1:]:
            report.merged.append((name, other["TASK_CODE"]))
        conditions = _conditions(best)
        legal_days, promised_days = _time_limits(best)
        matter = MatterRecord(
            code=matter_code_for(name),
            name=name,
            aliases=_aliases(best, name),
            item_type=best["matter_type"],
            service_object=_service_objects(best),
            theme=_theme(best),
            levels=(),  # decided by the builder
            legal_basis=_legal_basis(conditions),
            faq=tuple[FaqEntry, ...](),
        )
        rehomed.append(
            RehomedItem(
                matter=matter,
                department=DEPARTMENT_COUNTERPARTS[best["DEPT_NAME"].strip()],
                guangzhou_level=any(item["matter_level"] == GUANGZHOU_MATTER_LEVEL for item in group),
                conditions=conditions,
                materials=_materials(best),
                legal_days=legal_days,
                promised_days=promised_days,
                online=_online(best),
                source_task_codes=tuple(sorted(item["TASK_CODE"] for item in group)),
            )
        )
    report.kept = len(rehomed)
    codes = Counter(item.matter.code for item in rehomed)
    clashes = [code for code, count in codes.items() if count > 1]
    if clashes:
        raise BuildInputError(f"re-homed matter codes clash: {', '.join(sorted(clashes))}")
    assert all(material.form in MATERIAL_FORMS for item in rehomed for material in item.materials)
    return rehomed, report
