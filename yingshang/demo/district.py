"""The demo district: a reproducible 渭滨区 (宝鸡市, 陕西) with its market entities, departments and users.

`generate_entities` is plain Python driven by one seeded `random.Random`: the same seed gives the same
district every time, and entity i never depends on how many entities were asked for, so a small demo is
a prefix of the big one. `load_demo` writes the district into the database idempotently: departments and
users are created or brought back to their demo values, entities already present are left alone.

Shares follow a real district's registry: about three quarters 个体工商户 (shops, food, personal
services), a quarter 企业 with an industrial core (titanium, machinery, railway equipment), 1% 农民专业合作社
in the towns. Figures are log-normal; some are missing on purpose, so "unknown" shows up as it does in
real data. Qualifications follow national rates (高新技术企业 about 1% of all entities).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from tqdm import tqdm

from yingshang.core.roles import Role
from yingshang.registry.industries import section_of
from yingshang.registry.models import Department, District, Enterprise, Qualification, Street, User

SEED = 20261122
DEFAULT_ENTITIES = 20_000
BATCH_SIZE = 2_000
# Demo data is "as of" a fixed day so that the district never depends on the wall clock.
AS_OF = dt.date(2026, 10, 31)
TAX_YEAR_END = dt.date(2025, 12, 31)  # the last full tax year before AS_OF
SOCIAL_SECURITY_AS_OF = dt.date(2026, 9, 30)
# Printed by the demo command; this is a demo on one's own machine, never a production password.
DEMO_PASSWORD = "yingshang-demo-2026"

FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 元 = 1,000,000 分

# ---------------------------------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDistrict:
    code: str
    name: str
    share: float
    streets: tuple[tuple[str, float], ...]  # (name, weight); names ending in 镇 are rural towns


DISTRICTS: tuple[DemoDistrict, ...] = (
    DemoDistrict(
        "610302",
        "渭滨区",
        0.85,
        (
            ("经二路街道", 22),
            ("清姜街道", 18),
            ("姜谭街道", 16),
            ("桥南街道", 14),
            ("金陵街道", 14),
            ("马营镇", 5),
            ("石鼓镇", 4),
            ("神农镇", 3),
            ("高家镇", 2),
            ("八鱼镇", 2),
        ),
    ),
    DemoDistrict(
        "610303",
        "金台区",
        0.15,
        (
            ("中山东路街道", 16),
            ("中山西路街道", 14),
            ("群众路街道", 14),
            ("东风路街道", 12),
            ("十里铺街道", 12),
            ("卧龙寺街道", 10),
            ("西关街道", 10),
            ("陈仓镇", 5),
            ("金河镇", 3),
            ("硖石镇", 2),
            ("蟠溪镇", 2),
        ),
    ),
)
DISTRICT_CODES = tuple(d.code for d in DISTRICTS)

# ---------------------------------------------------------------------------------------------------
# Trades: (GB/T 4754-2017 小类, weight, words used in names)
# ---------------------------------------------------------------------------------------------------

Trade = tuple[str, float, tuple[str, ...]]

INDIVIDUAL_TRADES: tuple[Trade, ...] = (
    # 零售 (52): about half of all 个体工商户
    ("5213", 13, ("便利店", "便民店", "小卖部")),
    ("5212", 3, ("超市", "生活超市")),
    ("5219", 5, ("商店", "百货店", "日杂店")),
    ("5221", 2, ("粮油店",)),
    ("5223", 5, ("水果店", "蔬菜店", "果蔬店")),
    ("5224", 3, ("鲜肉店", "水产店", "禽蛋店")),
    ("5226", 2, ("烟酒店", "茶叶店")),
    ("5227", 1, ("烟酒商行",)),
    ("5232", 5, ("服装店", "服饰店", "童装店")),
    ("5233", 1, ("鞋店",)),
    ("5234", 1, ("化妆品店",)),
    ("5274", 2, ("手机店", "通讯店")),
    ("5281", 2, ("五金店", "五金建材部")),
    ("5263", 1, ("汽配店",)),
    ("5292", 3, ("电子商务经营部", "网店")),
    ("5299", 2, ("商行", "经营部")),
    # 餐饮 (62)
    ("6210", 6, ("饭店", "酒楼", "川菜馆", "家常菜馆")),
    ("6220", 4, ("快餐店",)),
    ("6291", 10, ("面馆", "擀面皮店", "臊子面馆", "肉夹馍店", "小吃店", "凉皮店")),
    ("6231", 1, ("茶馆", "茶社")),
    ("6232", 0.5, ("咖啡馆",)),
    ("6299", 1, ("餐饮店",)),
    # 居民服务、修理 (80, 81)
    ("8040", 6, ("理发店", "美发店", "美容店", "美甲店")),
    ("8030", 1, ("干洗店",)),
    ("8052", 1, ("足浴店",)),
    ("8053", 1, ("养生馆",)),
    ("8010", 1, ("家政服务部",)),
    ("8060", 0.5, ("照相馆",)),
    ("8090", 1, ("便民服务部",)),
    ("8111", 2.5, ("汽车修理部", "汽车美容店", "汽修厂")),
    ("8122", 1, ("手机维修部",)),
    ("8132", 0.5, ("家电维修部",)),
    ("8192", 0.3, ("修鞋店",)),
    # 小制造
    ("1411", 1, ("糕点坊", "面包房")),
    ("1431", 1, ("面食加工坊", "挂面加工坊")),
    ("2110", 0.5, ("家具加工厂",)),
    ("3311", 0.5, ("钢结构加工部",)),
    ("3312", 0.5, ("门窗加工部",)),
    ("3484", 0.5, ("机械加工部",)),
    # 其他
    ("5431", 2, ("货运部",)),
    ("6129", 0.7, ("旅馆", "宾馆")),
    ("6130", 0.3, ("民宿",)),
    ("9013", 0.3, ("网吧",)),
    ("9019", 0.3, ("棋牌室",)),
    ("8930", 0.3, ("健身房",)),
    ("7293", 0.5, ("图文打印部",)),
    ("0141", 0.5, ("蔬菜种植园",)),
    ("0151", 0.5, ("果园",)),
    ("0313", 0.3, ("养殖场",)),
)

ENTERPRISE_TRADES: tuple[Trade, ...] = (
    # C 制造: Baoji's industrial base (钛材, 机床, 石油装备, 铁路器材, 汽车零部件)
    ("3254", 1.5, ("钛业", "钛材科技", "稀有金属材料")),
    ("3311", 1.0, ("钢结构", "重工")),
    ("3421", 0.7, ("机床",)),
    ("3484", 1.5, ("机械", "精密机械")),
    ("3512", 0.6, ("石油机械", "石油装备")),
    ("3670", 1.2, ("汽车零部件", "汽车配件")),
    ("3716", 0.7, ("铁路器材", "轨道交通装备")),
    ("3823", 0.6, ("电气", "电力设备")),
    ("4011", 0.6, ("自动化", "智能控制")),
    ("3983", 0.4, ("传感器", "电子科技")),
    ("3976", 0.2, ("光电科技",)),
    ("3392", 0.4, ("铸造",)),
    ("3393", 0.4, ("锻造",)),
    ("1431", 0.6, ("食品",)),
    ("1462", 0.3, ("醋业", "调味品")),
    ("1512", 0.2, ("酒业",)),
    ("2740", 0.2, ("制药",)),
    ("2319", 0.5, ("印务", "包装印刷")),
    ("2110", 0.3, ("家具",)),
    ("3021", 0.3, ("建材",)),
    ("2929", 0.3, ("塑业",)),
    ("3841", 0.1, ("新能源科技",)),
    ("3581", 0.2, ("医疗器械",)),
    # D 电力、燃气、水
    ("4420", 0.2, ("供电",)),
    ("4416", 0.2, ("光伏电力",)),
    ("4511", 0.1, ("燃气",)),
    ("4610", 0.05, ("供水",)),
    # E 建筑
    ("4710", 2.0, ("建筑工程", "建设工程")),
    ("4790", 1.0, ("建设",)),
    ("4813", 1.0, ("市政工程",)),
    ("4891", 1.0, ("园林绿化工程",)),
    ("4910", 1.0, ("电力安装工程",)),
    ("4999", 0.5, ("安装工程",)),
    ("5011", 1.0, ("装饰工程",)),
    ("5012", 1.5, ("装饰设计工程", "家居装饰")),
    # F 批发
    ("5165", 2.0, ("建材", "建材贸易")),
    ("5164", 1.5, ("金属材料", "物资")),
    ("5174", 1.0, ("五金机电",)),
    ("5175", 1.0, ("机电设备",)),
    ("5172", 0.5, ("汽车配件",)),
    ("5127", 1.0, ("酒业", "茶业")),
    ("5121", 0.7, ("粮油",)),
    ("5123", 0.8, ("农产品", "果蔬")),
    ("5151", 0.4, ("医药",)),
    ("5154", 0.4, ("医疗器械",)),
    ("5176", 0.6, ("电脑科技",)),
    ("5179", 1.0, ("机械设备",)),
    ("5199", 1.5, ("商贸", "贸易")),
    ("5193", 0.5, ("电子商务",)),
    # F 零售
    ("5212", 1.0, ("超市", "商贸")),
    ("5211", 0.3, ("百货",)),
    ("5251", 1.5, ("大药房", "医药连锁")),
    ("5261", 0.8, ("汽车销售", "汽车贸易")),
    ("5265", 0.3, ("石油", "加油站")),
    ("5273", 0.6, ("电脑",)),
    ("5232", 1.0, ("服饰",)),
    ("5283", 0.7, ("家居",)),
    ("5292", 1.5, ("电子商务", "网络科技")),
    ("5299", 2.0, ("商贸",)),
    # G 交通运输、仓储
    ("5431", 2.0, ("物流", "运输")),
    ("5437", 0.5, ("配送",)),
    ("5821", 0.5, ("货运代理",)),
    ("5920", 0.3, ("仓储",)),
    ("5413", 0.2, ("出租汽车",)),
    ("5422", 0.2, ("旅游客运",)),
    # H 住宿、餐饮
    ("6210", 2.0, ("餐饮管理", "餐饮")),
    ("6220", 1.0, ("餐饮管理",)),
    ("6121", 0.5, ("酒店管理",)),
    ("6110", 0.3, ("大酒店",)),
    ("6241", 0.3, ("餐饮配送",)),
    ("6291", 0.5, ("餐饮",)),
    # I 信息技术
    ("6513", 1.5, ("软件", "信息技术")),
    ("6531", 1.5, ("信息科技", "系统集成")),
    ("6532", 0.7, ("物联网科技",)),
    ("6550", 0.5, ("数据科技", "大数据")),
    ("6560", 0.5, ("信息咨询",)),
    ("6450", 0.3, ("云计算",)),
    ("6490", 0.5, ("网络科技",)),
    # J 金融 (outside the scale table: scale stays unknown)
    ("6635", 0.2, ("小额贷款",)),
    ("6731", 0.2, ("创业投资",)),
    ("6760", 0.2, ("投资",)),
    ("6633", 0.1, ("典当",)),
    ("6631", 0.1, ("融资租赁",)),
    # K 房地产
    ("7010", 1.2, ("房地产开发", "置业")),
    ("7020", 1.8, ("物业管理", "物业服务")),
    ("7030", 0.8, ("房地产经纪", "房产营销策划")),
    ("7040", 0.2, ("房屋租赁",)),
    # L 租赁和商务服务
    ("7212", 1.5, ("投资管理", "资产管理")),
    ("7211", 0.3, ("实业",)),
    ("7224", 0.7, ("供应链管理",)),
    ("7222", 0.2, ("商业管理",)),
    ("7241", 0.5, ("财务咨询", "会计服务")),
    ("7243", 1.0, ("企业管理咨询", "咨询")),
    ("7259", 1.5, ("广告", "文化传媒")),
    ("7263", 0.7, ("劳务", "人力资源")),
    ("7262", 0.3, ("人力资源",)),
    ("7271", 0.3, ("保安服务",)),
    ("7289", 0.4, ("会展服务",)),
    ("7291", 0.5, ("旅行社",)),
    ("7297", 0.5, ("商务服务",)),
    ("7299", 2.0, ("商务服务", "企业服务")),
    ("7111", 0.5, ("汽车租赁",)),
    ("7113", 0.7, ("机械设备租赁", "设备租赁")),
    # M 科学研究和技术服务
    ("7320", 1.0, ("新材料科技", "技术研究")),
    ("7452", 0.7, ("检测技术", "检验检测")),
    ("7482", 0.5, ("工程监理",)),
    ("7484", 0.7, ("工程设计", "建筑设计")),
    ("7492", 0.5, ("设计",)),
    ("7513", 1.0, ("新材料科技", "钛科技")),
    ("7514", 0.4, ("节能科技",)),
    ("7515", 0.3, ("新能源科技",)),
    ("7519", 1.0, ("科技",)),
    ("7520", 0.2, ("知识产权代理",)),
    ("7530", 0.2, ("科技服务",)),
    ("7481", 0.5, ("工程管理", "项目管理")),
    # N 水利、环境
    ("7820", 0.5, ("环境卫生", "环境工程")),
    ("7723", 0.3, ("环保科技",)),
    ("7840", 0.2, ("绿化",)),
    # O 居民服务、修理
    ("8010", 0.7, ("家政服务",)),
    ("8040", 0.5, ("美容",)),
    ("8111", 1.0, ("汽车服务", "汽车维修")),
    ("8211", 0.5, ("保洁服务", "清洁服务")),
    ("8053", 0.3, ("健康管理",)),
    # P 教育, Q 卫生, R 文化体育娱乐
    ("8391", 0.4, ("职业技能培训",)),
    ("8393", 0.4, ("文化艺术培训",)),
    ("8394", 0.2, ("教育科技",)),
    ("8425", 0.5, ("口腔门诊部", "医疗管理")),
    ("8491", 0.2, ("健康体检",)),
    ("8415", 0.2, ("医院",)),
    ("8730", 0.4, ("影视文化",)),
    ("8930", 0.5, ("健身", "体育文化")),
    ("9030", 0.3, ("旅游开发",)),
    ("8890", 0.4, ("文化艺术",)),
    ("9019", 0.3, ("文化娱乐",)),
    # A 农业
    ("0141", 0.4, ("农业科技", "生态农业")),
    ("0151", 0.4, ("果业",)),
    ("0313", 0.3, ("养殖",)),
    ("0311", 0.2, ("牧业",)),
    ("0511", 0.2, ("种业",)),
    ("0143", 0.2, ("花卉园艺",)),
    ("0171", 0.3, ("中药材",)),
)

COOPERATIVE_TRADES: tuple[Trade, ...] = (
    ("0141", 3, ("蔬菜种植",)),
    ("0151", 3, ("果业", "苹果种植", "猕猴桃种植")),
    ("0142", 1, ("食用菌种植",)),
    ("0171", 1, ("中药材种植",)),
    ("0313", 1, ("生猪养殖",)),
    ("0311", 0.7, ("肉牛养殖",)),
    ("0314", 0.5, ("奶山羊养殖",)),
    ("0321", 1, ("蛋鸡养殖",)),
    ("0512", 1, ("农机",)),
    ("0392", 0.5, ("养蜂",)),
    ("0164", 0.3, ("茶叶种植",)),
)

# Per 门类 for 企业: (median employees, median revenue per employee in 万元, assets/revenue, tax/revenue)
SECTION_ECONOMICS: dict[str, tuple[float, float, float, float]] = {
    "A": (6, 25, 1.5, 0.005),
    "C": (12, 40, 1.1, 0.035),
    "D": (15, 150, 3.0, 0.05),
    "E": (15, 50, 1.0, 0.03),
    "F": (5, 120, 0.6, 0.015),
    "G": (8, 40, 1.2, 0.02),
    "H": (10, 15, 0.8, 0.02),
    "I": (8, 30, 0.8, 0.04),
    "J": (5, 60, 8.0, 0.05),
    "K": (10, 80, 4.0, 0.06),
    "L": (5, 40, 1.0, 0.04),
    "M": (8, 35, 0.9, 0.04),
    "N": (10, 20, 1.0, 0.02),
    "O": (5, 15, 0.8, 0.02),
    "P": (8, 15, 0.8, 0.02),
    "Q": (15, 20, 1.0, 0.02),
    "R": (6, 20, 1.5, 0.03),
}
# Trade splits inside 门类 F and H, whose halves differ a lot in revenue per head.
DIVISION_ECONOMICS: dict[str, tuple[float, float, float, float]] = {
    "51": (5, 150, 0.6, 0.012),
    "52": (4, 35, 0.6, 0.015),
    "61": (12, 12, 2.0, 0.03),
    "62": (8, 10, 0.6, 0.02),
}

# ---------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------

BRAND_HEADS = "秦渭宝陈岐凤金鑫恒华瑞宏博正德安嘉众盛永汇联泰天万兴长新和信康丰顺达利源通鼎诚锦"
BRAND_TAILS = "川源达兴盛泰通信和丰华诚业远宇辰明鸿润昌隆晟益创锐顺合峰瀚越"
LOCAL_BRANDS = (
    "石鼓",
    "姜城",
    "炎帝",
    "西岐",
    "周原",
    "陈仓",
    "秦岭",
    "渭水",
    "宝成",
    "金陵",
    "钛谷",
    "凤鸣",
)
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN_NAMES = (
    "秀芳",
    "丽娟",
    "建国",
    "建军",
    "小红",
    "海燕",
    "志强",
    "国庆",
    "红霞",
    "晓燕",
    "文华",
    "春梅",
    "玉兰",
    "永红",
)
SINGLE_GIVEN_NAMES = "伟静军敏强磊娟涛斌霞"
ROADS = ("经二路", "清姜路", "姜谭路", "红旗路", "宝平路", "滨河路", "公园路", "火炬路", "大庆路", "金陵路")


def _brand(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return rng.choice(LOCAL_BRANDS)
    head = rng.choice(BRAND_HEADS)
    tail = rng.choice(BRAND_TAILS)
    return head + (tail if tail != head else rng.choice(BRAND_TAILS.replace(head, "")))


def _enterprise_name(rng: random.Random, district: DemoDistrict, words: tuple[str, ...]) -> str:
    brand, trade = _brand(rng), rng.choice(words)
    roll = rng.random()
    if roll < 0.45:
        return f"宝鸡{brand}{trade}有限公司"
    if roll < 0.65:
        return f"宝鸡市{district.name}{brand}{trade}有限公司"
    if roll < 0.80:
        return f"陕西{brand}{trade}有限公司"
    if roll < 0.90:
        return f"宝鸡{brand}{trade}有限责任公司"
    if roll < 0.93:
        return f"宝鸡{brand}{trade}股份有限公司"
    return f"{brand}（宝鸡）{trade}有限公司"


def _shop_name(rng: random.Random, district: DemoDistrict, words: tuple[str, ...]) -> str:
    roll = rng.random()
    if roll < 0.25:
        keeper = "老" + rng.choice(SURNAMES)
    elif roll < 0.45:
        keeper = rng.choice(SURNAMES) + "记"
    elif roll < 0.65:
        # A shop is named after its keeper: "秀芳" alone, or surname and a one-character name, "王伟".
        if rng.random() < 0.5:
            keeper = rng.choice(GIVEN_NAMES)
        else:
            keeper = rng.choice(SURNAMES) + rng.choice(SINGLE_GIVEN_NAMES)
    elif roll < 0.80:
        keeper = rng.choice(ROADS)
    else:
        keeper = _brand(rng)
    prefix = district.name if rng.random() < 0.7 else f"宝鸡市{district.name}"
    return f"{prefix}{keeper}{rng.choice(words)}"


def _cooperative_name(
    rng: random.Random, district: DemoDistrict, town: str | None, words: tuple[str, ...]
) -> str:
    return f"宝鸡市{district.name}{town or ''}{_brand(rng)}{rng.choice(words)}专业合作社"


# ---------------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The 9-character 主体标识码 keeps the GB 11714 check character of the old 组织机构代码.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def org_code_check(body: str) -> str:
    """GB 11714 check character for the first 8 characters of a 组织机构代码."""
    remainder = 11 - sum(_ORG_VALUES[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else "0" if remainder == 11 else str(remainder)


def _issue_batch(year: int) -> str:
    """Shaanxi's new-style codes start MA6 plus a letter that moved on as batches were used up."""
    return "W" if year < 2018 else "X" if year < 2020 else "Y" if year < 2023 else "H"


_DIGITS = "0123456789"


def _org_code(rng: random.Random, registered_on: dt.date, old_style: bool) -> str:
    if old_style:  # registered before the 2015 reform: an 8-digit 组织机构代码
        body = rng.choice("2567") + "".join(rng.choices(_DIGITS, k=7))
    else:
        body = "MA6" + _issue_batch(registered_on.year) + "".join(rng.choices(USCC_ALPHABET, k=4))
    return body + org_code_check(body)


_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_with_check(body: str) -> str:
    """`testing.make_uscc` without stdnum's input cleaning: the demo makes a million of these."""
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + USCC_ALPHABET[-total % 31]


USCC_PREFIX = {"enterprise": "91", "individual": "92", "cooperative": "93"}
REFORM_DAY = dt.date(2015, 10, 1)  # 三证合一: codes issued from here on are new-style

# ---------------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoQualification:
    kind: str
    level: str
    certified_on: dt.date
    expires_on: dt.date | None
    source: str


@dataclass(slots=True)
class DemoEntity:
    uscc: str
    name: str
    entity_type: str
    industry: str
    district_code: str
    street: str | None
    registered_on: dt.date
    registered_capital_fen: int | None
    employees: int | None
    annual_revenue_fen: int | None
    total_assets_fen: int | None
    tax_paid_fen: int | None
    credit_class: str
    status: str
    provenance: dict[str, dict[str, str]]
    qualifications: list[DemoQualification] = field(default_factory=list)


REGISTRATION_SOURCE = "市场监管局登记信息"
TAX_SOURCE = "税务局纳税信息"
SOCIAL_SECURITY_SOURCE = "人社局社保参保人数"
CREDIT_SOURCE = "市场监管局信用风险分类结果"
_REGISTRATION_FIELDS = ("name", "entity_type", "industry", "district", "registered_on", "status")
_ORIGINS: dict[str, tuple[str, dt.date]] = {
    "street": (REGISTRATION_SOURCE, AS_OF),
    "registered_capital_fen": (REGISTRATION_SOURCE, AS_OF),
    "employees": (SOCIAL_SECURITY_SOURCE, SOCIAL_SECURITY_AS_OF),
    "annual_revenue_fen": (TAX_SOURCE, TAX_YEAR_END),
    "total_assets_fen": (TAX_SOURCE, TAX_YEAR_END),
    "tax_paid_fen": (TAX_SOURCE, TAX_YEAR_END),
    "credit_class": (CREDIT_SOURCE, AS_OF),
}
_provenance_cache: dict[tuple[str, ...], dict[str, dict[str, str]]] = {}


def provenance_for(known: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Where each known field came from; a missing value has no source. Shared, so never mutate it."""
    cached = _provenance_cache.get(known)
    if cached is None:
        cached = {
            f: {"source": REGISTRATION_SOURCE, "as_of": AS_OF.isoformat()} for f in _REGISTRATION_FIELDS
        }
        for name in known:
            source, as_of = _ORIGINS[name]
            cached[name] = {"source": source, "as_of": as_of.isoformat()}
        _provenance_cache[known] = cached
    return cached


class _Weighted:
    """Weighted choice over a fixed table with one random draw (bisect on cumulative weights)."""

    def __init__(self, items: tuple[Any, ...], weights: tuple[float, ...]) -> None:
        self.items = items
        total = 0.0
        self.cumulative: list[float] = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def pick(self, rng: random.Random) -> Any:
        index = bisect(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


def _trades(table: tuple[Trade, ...]) -> _Weighted:
    return _Weighted(tuple((code, words) for code, _, words in table), tuple(w for _, w, _ in table))


_INDIVIDUAL = _trades(INDIVIDUAL_TRADES)
_ENTERPRISE = _trades(ENTERPRISE_TRADES)
_COOPERATIVE = _trades(COOPERATIVE_TRADES)
_DISTRICT = _Weighted(DISTRICTS, tuple(d.share for d in DISTRICTS))
_STREETS = {
    d.code: _Weighted(tuple(n for n, _ in d.streets), tuple(w for _, w in d.streets)) for d in DISTRICTS
}
_TOWNS = {
    d.code: _Weighted(
        tuple(n for n, _ in d.streets if n.endswith("镇")), tuple(w for n, w in d.streets if n.endswith("镇"))
    )
    for d in DISTRICTS
}
# Registrations grew about 12% a year; 2026 counts only up to AS_OF.
_YEARS = _Weighted(
    tuple(range(1995, AS_OF.year + 1)),
    tuple(
        math.exp(0.12 * (y - 1995)) * (AS_OF.timetuple().tm_yday / 365 if y == AS_OF.year else 1)
        for y in range(1995, AS_OF.year + 1)
    ),
)
_CREDIT = _Weighted(("A", "B", "C", "D"), (30, 60, 8, 2))


def _registration_day(rng: random.Random, first_year: int = 1995) -> dt.date:
    year = _YEARS.pick(rng)
    while year < first_year:
        year = _YEARS.pick(rng)
    start = dt.date(year, 1, 1)
    last = min(dt.date(year, 12, 31), AS_OF)
    return start + dt.timedelta(days=rng.randrange((last - start).days + 1))


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _nice_capital_fen(amount_wan: float) -> int:
    """Registered capital is a round figure: 1, 2, 3 or 5 × 10^k 万元."""
    exponent = math.floor(math.log10(max(amount_wan, 1)))
    base = 10**exponent
    mantissa = min((1, 2, 3, 5, 10), key=lambda m: abs(m * base - amount_wan))
    return int(mantissa * base * FEN_PER_WAN)


def _wan_to_fen(amount_wan: float) -> int:
    return int(amount_wan * 10_000) * 100  # whole yuan


@dataclass(slots=True)
class _Figures:
    employees: int
    revenue_wan: float
    assets_wan: float
    tax_wan: float
    capital_fen: int | None


def _figures(rng: random.Random, entity_type: str, code: str, section: str) -> _Figures:
    if entity_type == "individual":
        employees = max(1, round(_lognormal(rng, 2, 0.6)))
        revenue = _lognormal(rng, 20, 0.9)
        tax = 0.0 if rng.random() < 0.6 else revenue * _lognormal(rng, 0.01, 0.5)
        return _Figures(employees, revenue, revenue * _lognormal(rng, 0.5, 0.6), tax, None)
    if entity_type == "cooperative":
        employees = max(1, round(_lognormal(rng, 5, 0.7)))
        revenue = _lognormal(rng, 50, 1.0)
        capital = _nice_capital_fen(_lognormal(rng, 100, 1.0))
        return _Figures(employees, revenue, revenue * _lognormal(rng, 1.5, 0.5), 0.0, capital)
    economics = DIVISION_ECONOMICS.get(code[:2]) or SECTION_ECONOMICS[section]
    staff_median, per_capita, asset_ratio, tax_rate = economics
    employees = max(1, round(_lognormal(rng, staff_median, 1.0)))
    revenue = employees * _lognormal(rng, per_capita, 0.6)
    assets = revenue * _lognormal(rng, asset_ratio, 0.6)
    tax = 0.0 if rng.random() < 0.15 else min(revenue * 0.2, revenue * _lognormal(rng, tax_rate, 0.6))
    capital = _nice_capital_fen(_lognormal(rng, 100, 1.3))
    return _Figures(employees, revenue, assets, tax, capital)


# Chance that a figure is missing from the departments' data: (employees, revenue, assets, tax).
_MISSING = {
    "individual": (0.10, 0.35, 0.50, 0.30),
    "enterprise": (0.08, 0.12, 0.15, 0.12),
    "cooperative": (0.15, 0.30, 0.40, 0.30),
}


@dataclass
class _Counters:
    """Running counts the generator needs to stay prefix-stable (used codes, little giants so far)."""

    used: set[str] = field(default_factory=set)
    little_giants: int = 0


def _unique_uscc(
    rng: random.Random, entity_type: str, district: str, registered_on: dt.date, c: _Counters
) -> str:
    old_style = entity_type == "enterprise" and registered_on < REFORM_DAY
    while True:
        uscc = uscc_with_check(USCC_PREFIX[entity_type] + district + _org_code(rng, registered_on, old_style))
        if uscc not in c.used:
            c.used.add(uscc)
            return uscc


_SECTION_OF: dict[str, str] = {}


def _section_cached(code: str) -> str:
    section = _SECTION_OF.get(code)
    if section is None:
        section = _SECTION_OF[code] = section_of(code)
    return section


def generate_entities(n: int = DEFAULT_ENTITIES, seed: int = SEED) -> Iterator[DemoEntity]:
    """The first n entities of the demo district for this seed."""
    rng = random.Random(seed)
    counters = _Counters()
    for index in range(n):
        yield _showcase(counters) if index == 0 else _entity(rng, counters)


def _entity(rng: random.Random, counters: _Counters) -> DemoEntity:
    roll = rng.random()
    entity_type = "individual" if roll < 0.75 else "enterprise" if roll < 0.99 else "cooperative"
    district = _DISTRICT.pick(rng)
    street, code, words, registered_on = _registration(rng, entity_type, district)
    section = _section_cached(code)
    name = _name(rng, entity_type, district, street, words)
    uscc = _unique_uscc(rng, entity_type, district.code, registered_on, counters)
    figures = _figures(rng, entity_type, code, section)
    status_roll = rng.random()
    status = "active" if status_roll < 0.90 else "deregistered" if status_roll < 0.97 else "revoked"
    credit = "" if rng.random() < 0.05 else _CREDIT.pick(rng)
    if rng.random() < 0.03:
        street = None  # the address could not be placed in a street
    employees, revenue, assets, tax = _reported(rng, entity_type, registered_on, figures)
    values = {
        "street": street,
        "registered_capital_fen": figures.capital_fen,
        "employees": employees,
        "annual_revenue_fen": revenue,
        "total_assets_fen": assets,
        "tax_paid_fen": tax,
        "credit_class": credit or None,
    }
    entity = DemoEntity(
        uscc=uscc,
        name=name,
        entity_type=entity_type,
        industry=code,
        district_code=district.code,
        street=street,
        registered_on=registered_on,
        registered_capital_fen=figures.capital_fen,
        employees=employees,
        annual_revenue_fen=revenue,
        total_assets_fen=assets,
        tax_paid_fen=tax,
        credit_class=credit,
        status=status,
        provenance=provenance_for(tuple(f for f, value in values.items() if value is not None)),
    )
    if status == "active" and entity_type == "enterprise":
        entity.qualifications = _qualifications(rng, entity, section, figures, counters)
    return entity


def _registration(
    rng: random.Random, entity_type: str, district: DemoDistrict
) -> tuple[str, str, tuple[str, ...], dt.date]:
    """Street, trade (小类 code and name words) and registration day."""
    if entity_type == "cooperative":
        street = _TOWNS[district.code].pick(rng)
        code, words = _COOPERATIVE.pick(rng)
        registered_on = _registration_day(rng, first_year=2008)  # 农民专业合作社法 took effect 2007-07-01
    else:
        street = _STREETS[district.code].pick(rng)
        code, words = (_INDIVIDUAL if entity_type == "individual" else _ENTERPRISE).pick(rng)
        registered_on = _registration_day(rng)
    if code[:2] in ("01", "03") and entity_type == "individual":
        street = _TOWNS[district.code].pick(rng)  # farms are in the towns
    return street, code, words, registered_on


def _name(
    rng: random.Random, entity_type: str, district: DemoDistrict, street: str, words: tuple[str, ...]
) -> str:
    if entity_type == "enterprise":
        return _enterprise_name(rng, district, words)
    if entity_type == "individual":
        return _shop_name(rng, district, words)
    return _cooperative_name(rng, district, street, words)


def _reported(
    rng: random.Random, entity_type: str, registered_on: dt.date, figures: _Figures
) -> tuple[int | None, int | None, int | None, int | None]:
    """The figures as the departments' data has them: some missing, none for a tax year not yet closed."""
    miss_staff, miss_revenue, miss_assets, miss_tax = _MISSING[entity_type]
    new_this_year = registered_on.year >= AS_OF.year
    employees = None if rng.random() < miss_staff else figures.employees
    revenue = None if new_this_year or rng.random() < miss_revenue else _wan_to_fen(figures.revenue_wan)
    assets = None if new_this_year or rng.random() < miss_assets else _wan_to_fen(figures.assets_wan)
    tax = None if new_this_year or rng.random() < miss_tax else _wan_to_fen(figures.tax_wan)
    return employees, revenue, assets, tax


# ---------------------------------------------------------------------------------------------------
# Qualifications
# ---------------------------------------------------------------------------------------------------

HNTE_SOURCE = "科技部门高新技术企业认定名单"
TECH_SME_SOURCE = "科技型中小企业评价入库名单"
MIIT_SOURCE = "工信局认定名单"
STATS_INDUSTRY_SOURCE = "统计局规模以上工业企业名录"
STATS_TRADE_SOURCE = "统计局限额以上商贸企业名录"
# Announcement days of recent batches (the certificate date of a batch is shared by its firms).
HNTE_BATCHES = (dt.date(2022, 11, 2), dt.date(2023, 11, 29), dt.date(2024, 12, 11), dt.date(2025, 11, 20))
TECH_SME_BATCHES = (dt.date(2025, 6, 30), dt.date(2026, 4, 15), dt.date(2026, 6, 30), dt.date(2026, 9, 15))
INNOVATIVE_BATCHES = (dt.date(2023, 9, 15), dt.date(2024, 9, 20), dt.date(2025, 9, 18))
SRDI_BATCHES = (dt.date(2023, 10, 12), dt.date(2024, 10, 18), dt.date(2025, 10, 16))
LITTLE_GIANT_BATCHES = (dt.date(2023, 7, 28), dt.date(2024, 8, 9), dt.date(2025, 7, 25))
CHAMPION_BATCHES = (dt.date(2023, 11, 24), dt.date(2024, 12, 27))
# Revenue floors for the statistical 名录库, in fen.
ABOVE_SCALE_INDUSTRY_FEN = 2_000 * FEN_PER_WAN
ABOVE_QUOTA_FEN = {
    "51": 2_000 * FEN_PER_WAN,
    "52": 500 * FEN_PER_WAN,
    "61": 200 * FEN_PER_WAN,
    "62": 200 * FEN_PER_WAN,
}
INDUSTRIAL_SECTIONS = frozenset("BCD")
TECH_SECTIONS = frozenset("CIM")
# Chance per active 企业 in a tech section, tuned so the shares of all entities come out at
# 高新技术企业 ≈1%, 科技型中小企业 ≈1.5%, 创新型中小企业 ≈0.6%, 专精特新 ≈0.3%, 小巨人 ≈0.03%.
P_HNTE = 0.2
P_TECH_SME = 0.27
P_INNOVATIVE = 0.125
P_SRDI = 0.25  # among manufacturers that hold 高新技术企业 or 科技型中小企业
P_LITTLE_GIANT = 0.18  # among 专精特新
CHAMPION_EVERY = 3  # every third 小巨人 is also a 制造业单项冠军


def _years_later(day: dt.date, years: int) -> dt.date:
    """The day before the same date `years` on: a certificate valid for that many years."""
    try:
        return day.replace(year=day.year + years) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _batch_after(rng: random.Random, batches: tuple[dt.date, ...], registered_on: dt.date) -> dt.date | None:
    eligible = [b for b in batches if b > registered_on + dt.timedelta(days=365)]
    return rng.choice(eligible) if eligible else None


def _qualifications(
    rng: random.Random, e: DemoEntity, section: str, figures: _Figures, counters: _Counters
) -> list[DemoQualification]:
    quals: list[DemoQualification] = []
    revenue_fen = _wan_to_fen(figures.revenue_wan)
    size_factor = 0.5 if figures.employees < 10 else 1.6
    sme = figures.employees < 500 and figures.revenue_wan < 20_000

    def grant(kind: str, level: str, batches: tuple[dt.date, ...], years: int | None, source: str) -> bool:
        day = _batch_after(rng, batches, e.registered_on)
        if day is None:
            return False
        expires = _years_later(day, years) if years else dt.date(day.year, 12, 31)
        quals.append(DemoQualification(kind, level, day, expires, source))
        return True

    hnte = tech_sme = False
    if section in TECH_SECTIONS:
        if rng.random() < P_HNTE * size_factor:
            hnte = grant("hnte", "national", HNTE_BATCHES, 3, HNTE_SOURCE)
        if sme and rng.random() < P_TECH_SME * size_factor:
            tech_sme = grant("tech_sme", "provincial", TECH_SME_BATCHES, None, TECH_SME_SOURCE)
        if sme and rng.random() < P_INNOVATIVE:
            grant("innovative_sme", "provincial", INNOVATIVE_BATCHES, 3, MIIT_SOURCE)
    if section == "C" and (hnte or tech_sme) and sme and rng.random() < P_SRDI:
        grant("srdi_sme", "provincial", SRDI_BATCHES, 3, MIIT_SOURCE)
        if rng.random() < P_LITTLE_GIANT and grant(
            "little_giant", "national", LITTLE_GIANT_BATCHES, 3, MIIT_SOURCE
        ):
            counters.little_giants += 1
            if counters.little_giants % CHAMPION_EVERY == 1:
                grant("single_champion", "national", CHAMPION_BATCHES, 3, MIIT_SOURCE)
    # The statistical 名录库 follow from the figures; an unknown revenue decides nothing.
    if e.annual_revenue_fen is not None:
        year = max(e.registered_on.year + 1, 2011)
        if year <= AS_OF.year:
            entered = dt.date(rng.randint(year, AS_OF.year), 1, 1)
            if section in INDUSTRIAL_SECTIONS and revenue_fen >= ABOVE_SCALE_INDUSTRY_FEN:
                quals.append(
                    DemoQualification(
                        "above_scale_industry", "provincial", entered, None, STATS_INDUSTRY_SOURCE
                    )
                )
            floor = ABOVE_QUOTA_FEN.get(e.industry[:2])
            if floor is not None and revenue_fen >= floor:
                quals.append(
                    DemoQualification("above_quota_trade", "provincial", entered, None, STATS_TRADE_SOURCE)
                )
    return quals


def _showcase(counters: _Counters) -> DemoEntity:
    """Entity 0: a titanium maker in 姜谭 with the qualifications a policy demo needs; the demo
    enterprise user is bound to it."""
    uscc = uscc_with_check("91610302" + "22060418" + org_code_check("22060418"))
    counters.used.add(uscc)
    known = tuple(_ORIGINS)
    return DemoEntity(
        uscc=uscc,
        name="宝鸡渭源钛材科技有限公司",
        entity_type="enterprise",
        industry="3254",
        district_code="610302",
        street="姜谭街道",
        registered_on=dt.date(2009, 6, 18),
        registered_capital_fen=5_000 * FEN_PER_WAN,
        employees=326,
        annual_revenue_fen=23_600 * FEN_PER_WAN,
        total_assets_fen=31_800 * FEN_PER_WAN,
        tax_paid_fen=_wan_to_fen(742.5),
        credit_class="A",
        status="active",
        provenance=provenance_for(known),
        qualifications=[
            DemoQualification(
                "hnte", "national", HNTE_BATCHES[2], _years_later(HNTE_BATCHES[2], 3), HNTE_SOURCE
            ),
            DemoQualification(
                "srdi_sme", "provincial", SRDI_BATCHES[1], _years_later(SRDI_BATCHES[1], 3), MIIT_SOURCE
            ),
            DemoQualification(
                "above_scale_industry", "provincial", dt.date(2014, 1, 1), None, STATS_INDUSTRY_SOURCE
            ),
        ],
    )


# ---------------------------------------------------------------------------------------------------
# Departments and users
# ---------------------------------------------------------------------------------------------------

# (code, name, kind, parent code, district code); parents come first.
DEPARTMENTS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("baoji", "宝鸡市", "city", None, None),
    ("baoji-yingshang", "宝鸡市营商办", "department", "baoji", None),
    ("weibin", "渭滨区", "district", "baoji", "610302"),
    # Lead and supporting units named in the district's 营商环境突破年 plan (seed 003).
    ("weibin-gov-office", "渭滨区政府办", "department", "weibin", "610302"),
    ("weibin-yingshang", "渭滨区职转和营商办", "department", "weibin", "610302"),
    ("weibin-approval", "渭滨区行政审批局", "department", "weibin", "610302"),
    ("weibin-samr", "渭滨区市场监管局", "department", "weibin", "610302"),
    ("weibin-samr-registration", "登记注册科", "section", "weibin-samr", "610302"),
    ("weibin-samr-enforcement", "执法稽查科", "section", "weibin-samr", "610302"),
    ("weibin-samr-credit", "信用监管科", "section", "weibin-samr", "610302"),
    ("weibin-tax", "渭滨区税务局", "department", "weibin", "610302"),
    ("weibin-tax-service", "纳税服务科", "section", "weibin-tax", "610302"),
    ("weibin-hrss", "渭滨区人社局", "department", "weibin", "610302"),
    ("weibin-industry", "渭滨区工信局", "department", "weibin", "610302"),
    ("weibin-industry-sme", "中小企业科", "section", "weibin-industry", "610302"),
    ("weibin-development", "渭滨区发改局", "department", "weibin", "610302"),
    ("weibin-finance", "渭滨区财政局", "department", "weibin", "610302"),
    ("weibin-housing", "渭滨区住建局", "department", "weibin", "610302"),
    ("weibin-justice", "渭滨区司法局", "department", "weibin", "610302"),
    ("weibin-commerce", "渭滨区商务局", "department", "weibin", "610302"),
    ("weibin-financial-affairs", "渭滨区金融办", "department", "weibin", "610302"),
    ("weibin-bigdata", "渭滨区大数据局", "department", "weibin", "610302"),
    ("weibin-command-center", "渭滨区城市治理指挥中心", "department", "weibin", "610302"),
    ("weibin-civil-affairs", "渭滨区民政局", "department", "weibin", "610302"),
    ("weibin-medical-insurance", "渭滨区医保局", "department", "weibin", "610302"),
    ("weibin-transport", "渭滨区交通局", "department", "weibin", "610302"),
    ("weibin-education-sports", "渭滨区教体局", "department", "weibin", "610302"),
    ("weibin-emergency", "渭滨区应急管理局", "department", "weibin", "610302"),
    ("weibin-investment", "渭滨区招商局", "department", "weibin", "610302"),
    ("weibin-assessment", "渭滨区考核办", "department", "weibin", "610302"),
    ("weibin-court", "渭滨区法院", "department", "weibin", "610302"),
    ("weibin-organization", "渭滨区委组织部", "department", "weibin", "610302"),
    ("weibin-establishment", "渭滨区委编办", "department", "weibin", "610302"),
    ("weibin-jiangtan-zone", "姜谭经开区管委会", "department", "weibin", "610302"),
    ("weibin-police", "宝鸡市公安局渭滨分局", "department", "weibin", "610302"),
    ("weibin-natural-resources", "宝鸡市自然资源和规划局渭滨分局", "department", "weibin", "610302"),
    ("weibin-ecology", "宝鸡市生态环境局渭滨分局", "department", "weibin", "610302"),
    ("jintai", "金台区", "district", "baoji", "610303"),
    ("jintai-samr", "金台区市场监管局", "department", "jintai", "610303"),
    ("jintai-samr-registration", "登记注册科", "section", "jintai-samr", "610303"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    department_code: str | None  # the enterprise user is bound to the showcase entity instead


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "王晓梅", Role.OFFICE_ADMIN, "weibin-yingshang"),
    DemoLogin("staff", "李建军", Role.DEPT_STAFF, "weibin-samr"),
    # Reviews the 政策兑现 of the items 区工信局 leads (规上, 专精特新, 高企 …) in 渭滨区.
    DemoLogin("reviewer", "马文博", Role.DEPT_STAFF, "weibin-industry"),
    DemoLogin("inspector", "张志强", Role.INSPECTOR, "weibin-samr-enforcement"),
    DemoLogin("company", "赵丽娟", Role.ENTERPRISE, None),
    DemoLogin("jintai_staff", "刘海燕", Role.DEPT_STAFF, "jintai-samr"),
    DemoLogin("guest", "陈国庆", Role.NONE, None),
)


@dataclass
class DemoSummary:
    entities_total: int
    entities_created: int
    qualifications_created: int
    departments: int
    users: list[tuple[DemoLogin, User]]


def _save_if_changed(instance: Any, values: dict[str, Any]) -> bool:
    """Set values and save only when one differs, so a second load writes nothing (not even history)."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed or instance.pk is None:
        instance.full_clean()
        instance.save()
        return True
    return False


def ensure_places() -> tuple[dict[str, District], dict[tuple[str, str], Street]]:
    districts: dict[str, District] = {}
    streets: dict[tuple[str, str], Street] = {}
    for spec in DISTRICTS:
        district = District.objects.filter(code=spec.code).first() or District(code=spec.code)
        _save_if_changed(district, {"name": spec.name})
        districts[spec.code] = district
        existing = {s.name: s for s in Street.objects.filter(district=district)}
        for name, _ in spec.streets:
            street = existing.get(name) or Street.objects.create(district=district, name=name)
            streets[(spec.code, name)] = street
    return districts, streets


def ensure_departments(districts: dict[str, District]) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    existing = {d.code: d for d in Department.objects.filter(code__in=[row[0] for row in DEPARTMENTS])}
    for code, name, kind, parent, district in DEPARTMENTS:
        department = existing.get(code) or Department(code=code)
        _save_if_changed(
            department,
            {
                "name": name,
                "kind": kind,
                "parent_id": departments[parent].pk if parent else None,
                "district_id": districts[district].pk if district else None,
            },
        )
        departments[code] = department
    return departments


def demo_password_hash() -> str:
    """One hash of the demo password shared by every demo user (the password is public anyway), so
    checking six users costs one key derivation instead of six."""
    return make_password(DEMO_PASSWORD, salt="yingshangdemo2026")


def ensure_users(departments: dict[str, Department], enterprise: Enterprise) -> list[tuple[DemoLogin, User]]:
    password = demo_password_hash()
    users = []
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first() or User(username=login.username)
        values: dict[str, Any] = {
            "first_name": login.full_name,
            "role": login.role.value,
            "department_id": departments[login.department_code].pk if login.department_code else None,
            "enterprise_id": enterprise.pk if login.role == Role.ENTERPRISE else None,
            "is_active": True,
            "password": password,
        }
        _save_if_changed(user, values)
        users.append((login, user))
    return users


def _enterprise_from(
    entity: DemoEntity, districts: dict[str, District], streets: dict[tuple[str, str], Street]
) -> Enterprise:
    enterprise = Enterprise(
        uscc=entity.uscc,
        name=entity.name,
        entity_type=entity.entity_type,
        industry_id=entity.industry,
        district=districts[entity.district_code],
        street=streets[(entity.district_code, entity.street)] if entity.street else None,
        registered_on=entity.registered_on,
        registered_capital_fen=entity.registered_capital_fen,
        employees=entity.employees,
        annual_revenue_fen=entity.annual_revenue_fen,
        total_assets_fen=entity.total_assets_fen,
        tax_paid_fen=entity.tax_paid_fen,
        credit_class=entity.credit_class,
        status=entity.status,
        provenance=entity.provenance,
    )
    enterprise.derive_fields()  # bulk_create skips save(), where this normally happens
    return enterprise


def _qualification_rows(enterprise: Enterprise, entity: DemoEntity) -> Iterator[Qualification]:
    for q in entity.qualifications:
        yield Qualification(
            enterprise_id=enterprise.pk,
            kind=q.kind,
            level=q.level,
            certified_on=q.certified_on,
            expires_on=q.expires_on,
            source=q.source,
            as_of=AS_OF,
        )


def load_entities(
    n: int,
    districts: dict[str, District],
    streets: dict[tuple[str, str], Street],
    *,
    seed: int = SEED,
    progress: bool | None = None,
) -> tuple[int, int]:
    """Insert the demo entities not yet present; returns (entities created, qualifications created)."""
    present = set(Enterprise.objects.filter(district__code__in=DISTRICT_CODES).values_list("uscc", flat=True))
    created = qualified = 0
    pending: list[tuple[Enterprise, DemoEntity]] = []

    def flush() -> None:
        nonlocal created, qualified
        Enterprise.objects.bulk_create([e for e, _ in pending], batch_size=BATCH_SIZE)
        rows = [q for e, entity in pending for q in _qualification_rows(e, entity)]
        Qualification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        created += len(pending)
        qualified += len(rows)
        pending.clear()

    # disable=None lets tqdm hide the bar when stderr is not a terminal.
    bar = tqdm(total=n, desc="市场主体", unit="户", disable=True if progress is False else None)
    with bar:
        for entity in generate_entities(n, seed):
            bar.update()
            if entity.uscc in present:
                continue
            pending.append((_enterprise_from(entity, districts, streets), entity))
            if len(pending) >= BATCH_SIZE:
                flush()
        if pending:
            flush()
    return created, qualified


def showcase_uscc() -> str:
    return next(generate_entities(1)).uscc


def load_demo(
    entities: int = DEFAULT_ENTITIES,
    *,
    seed: int = SEED,
    progress: bool | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Build (or complete) the demo district in one transaction; a second call changes nothing."""
    step = on_step or (lambda _: None)
    if entities < 1:
        raise ValueError("演示市场主体数量至少为 1")
    with transaction.atomic():
        step("区县、街道与部门")
        districts, streets = ensure_places()
        departments = ensure_departments(districts)
        step("市场主体与资质")
        created, qualified = load_entities(entities, districts, streets, seed=seed, progress=progress)
        step("演示账号")
        showcase = Enterprise.objects.get(uscc=showcase_uscc())
        users = ensure_users(departments, showcase)
    return DemoSummary(
        entities_total=Enterprise.objects.filter(district__code__in=DISTRICT_CODES).count(),
        entities_created=created,
        qualifications_created=qualified,
        departments=len(departments),
        users=users,
    )
