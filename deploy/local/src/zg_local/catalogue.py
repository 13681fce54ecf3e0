"""Hand-written parts of the default data set: categories, departments, object types, names.

Categories follow the component/event major/minor classes of CJ/T 214 / GB/T 30428.2
(see shared/reference/domain-digital-city-management.md §2); codes are `C`/`E` + major + minor.
"""

from __future__ import annotations

# (major code, zh, en, [(minor code, zh, en, dup radius m, dup window h)])
COMPONENTS = [
    (
        "01",
        "公用设施",
        "Public facilities",
        [
            ("01", "上水井盖", "Water-supply manhole cover", 15, 72),
            ("02", "污水井盖", "Sewage manhole cover", 15, 72),
            ("03", "雨水井盖", "Stormwater manhole cover", 15, 72),
            ("04", "电力井盖", "Power manhole cover", 15, 72),
            ("05", "燃气井盖", "Gas manhole cover", 15, 72),
            ("06", "通信井盖", "Telecom manhole cover", 15, 72),
            ("07", "报刊亭", "Newsstand", 20, 168),
            ("08", "健身设施", "Fitness equipment", 20, 168),
            ("09", "路灯", "Street light", 20, 72),
            ("10", "消防栓", "Fire hydrant", 15, 72),
            ("11", "电杆", "Utility pole", 20, 72),
        ],
    ),
    (
        "02",
        "道路交通",
        "Roads and traffic",
        [
            ("01", "过街天桥", "Footbridge", 50, 168),
            ("02", "地下通道", "Underpass", 50, 168),
            ("03", "路名牌", "Street-name sign", 20, 168),
            ("04", "护栏", "Guardrail", 30, 72),
            ("05", "交通标志牌", "Traffic sign", 20, 72),
            ("06", "公交站亭", "Bus shelter", 20, 72),
            ("07", "停车场", "Car park", 50, 168),
            ("08", "存车支架", "Bicycle rack", 20, 168),
            ("09", "交通信号灯", "Traffic light", 20, 24),
        ],
    ),
    (
        "03",
        "市容环境",
        "City appearance facilities",
        [
            ("01", "垃圾站", "Garbage station", 30, 48),
            ("02", "公厕", "Public toilet", 30, 48),
            ("03", "广告牌匾", "Shop sign / billboard", 20, 168),
            ("04", "化粪池", "Septic tank", 20, 72),
            ("05", "果皮箱", "Litter bin", 15, 48),
        ],
    ),
    (
        "04",
        "园林绿化",
        "Parks and greenery",
        [
            ("01", "古树名木", "Heritage tree", 20, 168),
            ("02", "绿地", "Green space", 40, 168),
            ("03", "行道树", "Street tree", 15, 72),
            ("04", "花钵", "Flower planter", 15, 168),
            ("05", "雕塑", "Sculpture", 20, 168),
            ("06", "座椅", "Bench", 15, 168),
        ],
    ),
    (
        "05",
        "房屋土地",
        "Buildings and land",
        [
            ("01", "围墙", "Boundary wall", 30, 168),
            ("02", "空置地块", "Vacant plot", 60, 168),
        ],
    ),
    (
        "06",
        "其他设施",
        "Other facilities",
        [
            ("01", "人防工事", "Civil-defence works", 30, 168),
            ("02", "水域附属设施", "Waterfront facility", 30, 168),
        ],
    ),
]

EVENTS = [
    (
        "01",
        "市容环境",
        "City appearance",
        [
            ("01", "私搭乱建", "Illegal construction", 30, 168),
            ("02", "暴露垃圾", "Exposed garbage", 30, 12),
            ("03", "积存垃圾渣土", "Accumulated waste or muck", 40, 24),
            ("04", "道路不洁", "Dirty road", 50, 12),
            ("05", "水域不洁", "Dirty water surface", 60, 48),
            ("06", "绿地脏乱", "Littered green space", 40, 24),
            ("07", "废弃家具设备", "Abandoned furniture or appliances", 20, 48),
        ],
    ),
    (
        "02",
        "宣传广告",
        "Advertising",
        [
            ("01", "非法小广告", "Illegal flyers and graffiti ads", 20, 48),
            ("02", "违规户外广告", "Non-compliant outdoor advertising", 30, 168),
            ("03", "街头散发广告", "Leafleting in the street", 50, 4),
        ],
    ),
    (
        "03",
        "施工管理",
        "Construction sites",
        [
            ("01", "施工扰民", "Construction noise at night", 100, 12),
            ("02", "施工占道", "Construction occupying the road", 50, 24),
            ("03", "工地扬尘", "Construction dust", 100, 12),
            ("04", "施工废弃料", "Construction waste", 40, 48),
            ("05", "围挡破损", "Damaged site hoarding", 30, 48),
        ],
    ),
    (
        "04",
        "街面秩序",
        "Street order",
        [
            ("01", "无照经营游商", "Unlicensed street vending", 50, 4),
            ("02", "占道经营", "Shop business spilling onto the street", 30, 12),
            ("03", "机动车乱停放", "Illegal car parking", 20, 2),
            ("04", "非机动车乱停放", "Disorderly bicycle parking", 20, 6),
            ("05", "乱堆物堆料", "Materials piled in public space", 30, 24),
            ("06", "流浪乞讨", "Vagrancy and begging", 100, 6),
            ("07", "非法营运", "Unlicensed taxi touting", 100, 4),
        ],
    ),
    (
        "05",
        "突发事件",
        "Emergencies",
        [
            ("01", "管道破裂", "Burst pipe", 50, 12),
            ("02", "路面塌陷", "Road surface collapse", 30, 24),
            ("03", "道路积水", "Waterlogged road", 80, 12),
            ("04", "火灾", "Fire", 100, 6),
            ("05", "交通事故", "Traffic accident", 50, 2),
        ],
    ),
    (
        "06",
        "市场管理",
        "Market supervision",
        [
            ("01", "无证照经营", "Shop without licence", 20, 168),
            ("02", "食品安全隐患", "Food-safety hazard", 20, 48),
            ("03", "药店违规经营", "Pharmacy violation", 20, 72),
        ],
    ),
    (
        "07",
        "治安秩序",
        "Public security",
        [
            ("01", "治安隐患", "Public-security hazard", 50, 24),
            ("02", "人员聚集", "Crowd gathering", 100, 4),
        ],
    ),
]

# id, zh, en, management mode, calendar
DEPARTMENTS = [
    (
        "command-centre",
        "方兴社区综合管理中心",
        "Fangxing Comprehensive Management Centre",
        "command",
        "24x7",
    ),
    ("police-station", "方兴派出所", "Fangxing Police Station", "coordinated", "24x7"),
    ("traffic-police", "交警方兴中队", "Traffic Police Squad, Fangxing", "coordinated", "24x7"),
    ("special-patrol", "特巡警方兴大队", "Special Patrol Police, Fangxing", "coordinated", "24x7"),
    ("transport", "包河区运管所", "Baohe Transport Management Office", "coordinated", "office"),
    (
        "city-management",
        "包河区城管执法大队方兴中队",
        "City Management Brigade, Fangxing",
        "entrusted",
        "office",
    ),
    (
        "market-supervision",
        "方兴市场监督管理所",
        "Fangxing Market Supervision Office",
        "entrusted",
        "office",
    ),
    (
        "roads-contractor",
        "方兴路政养护项目部",
        "Roads Maintenance Contractor",
        "assessed",
        "office",
    ),
    (
        "greening-contractor",
        "方兴绿化养护项目部",
        "Greening Maintenance Contractor",
        "assessed",
        "office",
    ),
    (
        "sanitation-north",
        "方兴环卫北标段",
        "Sanitation Contractor, North Section",
        "assessed",
        "extended",
    ),
    (
        "sanitation-south",
        "方兴环卫南标段",
        "Sanitation Contractor, South Section",
        "assessed",
        "extended",
    ),
]

FALLBACK_DEPARTMENT = "command-centre"
SANITATION = "sanitation@grid"  # placeholder resolved per grid: north or south section

# Default owner per major class, then per minor class (overrides). Majors absent here (C06)
# have no rule on purpose: they reach the fallback owner, the command centre.
MAJOR_OWNERS = {
    "C01": "roads-contractor",
    "C02": "roads-contractor",
    "C03": SANITATION,
    "C04": "greening-contractor",
    "C05": "city-management",
    "E01": SANITATION,
    "E02": "city-management",
    "E03": "city-management",
    "E04": "city-management",
    "E05": "roads-contractor",
    "E06": "market-supervision",
    "E07": "police-station",
}
MINOR_OWNERS = {
    "C0107": "city-management",
    "C0108": "greening-contractor",
    "C0110": "police-station",
    "C0206": "transport",
    "C0207": "traffic-police",
    "C0209": "traffic-police",
    "C0303": "city-management",
    "E0101": "city-management",
    "E0106": "greening-contractor",
    "E0403": "traffic-police",
    "E0406": "police-station",
    "E0407": "transport",
    "E0504": "police-station",
    "E0505": "traffic-police",
    "E0702": "special-patrol",
}

ZONE_TYPES = [
    ("core", "核心区", "Core area", 1.7),
    ("residential", "居民区", "Residential area", 1.25),
    ("scenic", "景区", "Scenic area", 0.8),
    ("vacant", "空置地", "Vacant land", 0.3),
]

# object type: zh, en, work focus (zh), management standard (zh), weight per zone type
OBJECT_TYPES: dict[str, tuple[str, str, str, str, dict[str, float]]] = {
    "construction_site": (
        "工地",
        "Construction site",
        "渣土运输、扬尘、夜间施工、围挡",
        "出入口硬化冲洗、围挡完好连续、22:00后无噪声施工",
        {"core": 3, "residential": 4, "scenic": 1, "vacant": 12},
    ),
    "road": (
        "道路",
        "Road",
        "路面、井盖、护栏、乱停放",
        "路面无坑洼、井盖齐全平整、无机动车违停",
        {"core": 10, "residential": 8, "scenic": 6, "vacant": 8},
    ),
    "intersection": (
        "路口",
        "Intersection",
        "交通秩序、游商、非法营运",
        "路口无游商、无黑车揽客、信号灯正常",
        {"core": 6, "residential": 4, "scenic": 3, "vacant": 3},
    ),
    "pharmacy": (
        "药店",
        "Pharmacy",
        "处方药销售、证照公示",
        "证照齐全上墙、处方药凭方销售",
        {"core": 2, "residential": 3, "scenic": 0.5, "vacant": 0},
    ),
    "market": (
        "农贸市场",
        "Market",
        "占道经营、环境卫生、食品安全",
        "摊位不出线、垃圾日产日清、台账齐全",
        {"core": 1, "residential": 2, "scenic": 0.3, "vacant": 0},
    ),
    "restaurant": (
        "饭店",
        "Restaurant",
        "油烟、门前三包、占道经营",
        "油烟净化设施运行、门前无油污无占道",
        {"core": 5, "residential": 5, "scenic": 3, "vacant": 0.5},
    ),
    "shop": (
        "商铺",
        "Shop",
        "店招店牌、出店经营",
        "店招规范、不出店经营、门前三包落实",
        {"core": 6, "residential": 6, "scenic": 3, "vacant": 0.5},
    ),
    "compound_gate": (
        "小区出入口",
        "Residential compound gate",
        "门禁、一卡通、车辆停放",
        "人来登记、人走注销;出入口无乱停",
        {"core": 1, "residential": 7, "scenic": 0.5, "vacant": 0},
    ),
    "school": (
        "学校",
        "School",
        "上下学交通、周边游商",
        "上下学时段周边无游商、无违停",
        {"core": 0.7, "residential": 1.5, "scenic": 0.3, "vacant": 0},
    ),
    "bus_stop": (
        "公交站",
        "Bus stop",
        "站亭设施、候车秩序",
        "站亭完好、无小广告、无乱停",
        {"core": 3, "residential": 3, "scenic": 2, "vacant": 1},
    ),
    "park": (
        "公园绿地",
        "Park or green space",
        "绿化养护、设施完好、游园秩序",
        "绿地无黄土裸露、设施完好、无垃圾",
        {"core": 1.5, "residential": 1.5, "scenic": 9, "vacant": 1},
    ),
    "public_toilet": (
        "公厕",
        "Public toilet",
        "保洁、设施",
        "无异味、设施完好、开放时间公示",
        {"core": 1, "residential": 1, "scenic": 2, "vacant": 0.3},
    ),
    "garbage_station": (
        "垃圾站",
        "Garbage station",
        "分类投放、清运",
        "垃圾不落地、分类规范、及时清运",
        {"core": 1, "residential": 2, "scenic": 1, "vacant": 0.5},
    ),
    "waterfront": (
        "水岸",
        "Waterfront",
        "水面保洁、护栏、防溺水",
        "水面无漂浮物、护栏完好、警示牌齐全",
        {"core": 0, "residential": 0.3, "scenic": 4, "vacant": 1},
    ),
    "vacant_lot": (
        "空置地块",
        "Vacant plot",
        "偷倒渣土、私搭乱建、积水",
        "无偷倒、无违建、围挡完好",
        {"core": 0, "residential": 0.3, "scenic": 0.5, "vacant": 9},
    ),
    "government_office": (
        "机关单位",
        "Government office",
        "周边秩序、安保",
        "周边无聚集、无违停、无游商",
        {"core": 2, "residential": 0.2, "scenic": 0, "vacant": 0},
    ),
}

ROADS = [
    "方兴大道",
    "紫云路",
    "徽州大道",
    "庐州大道",
    "南京路",
    "广西路",
    "西藏路",
    "锦绣大道",
    "中山路",
    "武汉路",
    "贵阳路",
    "洞庭湖路",
    "华山路",
    "天津路",
    "温州路",
    "成都路",
    "福州路",
    "珠江路",
    "湖北路",
    "嘉陵江路",
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
    "肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉斌宇浩凯健俊帆帅旭宁博文杰婷雪琳晨阳"
)


def _choices(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "name": name} for key, name in pairs]


_COVER_CONDITION = {
    "code": "condition",
    "datatype": "singlevaluelist",
    "required": False,
    "description": "井盖状况 What is wrong with the cover?",
    "values": _choices(
        ("missing", "缺失 missing"),
        ("broken", "破损 broken"),
        ("displaced", "移位 displaced"),
        ("noisy", "异响 rattles"),
    ),
}

# Extra questions per minor category (Open311 service attributes). `order` follows the list.
ATTRIBUTES: dict[str, list[dict[str, object]]] = {
    **{f"C010{n}": [_COVER_CONDITION] for n in range(1, 7)},
    "C0109": [
        {
            "code": "fault",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "路灯故障 What is wrong with the light?",
            "values": _choices(
                ("off", "不亮 off at night"),
                ("flicker", "闪烁 flickers"),
                ("on_by_day", "白天亮 on by day"),
                ("damaged", "损坏 damaged"),
            ),
        }
    ],
    "E0101": [
        {
            "code": "area_m2",
            "datatype": "number",
            "required": False,
            "description": "估计面积 Estimated area (m²)",
        }
    ],
    "E0401": [
        {
            "code": "goods",
            "datatype": "multivaluelist",
            "required": False,
            "description": "经营品种 What is being sold?",
            "values": _choices(
                ("food", "食品 cooked food"),
                ("fruit", "水果 fruit and vegetables"),
                ("clothing", "服装 clothing"),
                ("other", "其他 other"),
            ),
        }
    ],
    "E0403": [
        {
            "code": "vehicle",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "车辆类型 Which kind of vehicle?",
            "values": _choices(
                ("car", "小汽车 car"),
                ("truck", "货车 truck"),
                ("motorbike", "摩托车 motorbike"),
                ("ebike", "电动车 e-bike"),
            ),
        },
        {
            "code": "plate",
            "datatype": "string",
            "required": False,
            "description": "车牌号 Plate number, if readable",
        },
    ],
}


# --- working calendars and time limits (issue #5) ------------------------------------------

_OFFICE_DAY = [["08:30", "12:00"], ["14:00", "17:30"]]
# Working hours per calendar and weekday (mon..sun); `holidays`: whether the calendar closes on
# public holidays and opens on their make-up working days (调休).
CALENDARS = {
    "24x7": {
        "name": "全天候 24×7",
        "week": {
            day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        "holidays": False,
    },
    "office": {
        "name": "工作日 office hours",
        "week": {
            **{day: _OFFICE_DAY for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": [],
            "sun": [],
        },
        "holidays": True,
    },
    "extended": {
        "name": "作业时段 06:00-22:00 daily",
        "week": {
            day: [["06:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        "holidays": False,
    },
}

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): days off, and weekend days worked.
PUBLIC_HOLIDAYS = {
    "2026": {
        "source": "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)",
        "off": [
            ("2026-01-01", "2026-01-03"),
            ("2026-02-15", "2026-02-23"),
            ("2026-04-04", "2026-04-06"),
            ("2026-05-01", "2026-05-05"),
            ("2026-06-19", "2026-06-21"),
            ("2026-09-25", "2026-09-27"),
            ("2026-10-01", "2026-10-07"),
        ],
        "work": [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
        ],
    }
}

# Disposal limits (处置时限) in working time of the department's calendar, by urgency:
# (normal, urgent) as (value, unit). By major class, then per minor category where local
# catalogues are more specific (shared/reference/domain-digital-city-management.md §1.3).
H, D = "working_hours", "working_days"
DISPOSAL_BY_MAJOR = {
    "C01": ((2, D), (4, H)),
    "C02": ((3, D), (8, H)),
    "C03": ((1, D), (4, H)),
    "C04": ((5, D), (1, D)),
    "C05": ((5, D), (1, D)),
    "C06": ((5, D), (1, D)),
    "E01": ((1, D), (4, H)),
    "E02": ((1, D), (4, H)),
    "E03": ((1, D), (2, H)),
    "E04": ((4, H), (1, H)),
    "E05": ((2, H), (1, H)),
    "E06": ((3, D), (4, H)),
    "E07": ((2, H), (1, H)),
}
DISPOSAL_BY_MINOR = {
    "E0101": ((15, D), (4, H)),  # illegal construction: stop work 4 h, demolition 15 working days
    "E0102": ((4, H), (2, H)),  # exposed garbage
    "E0103": ((3, D), (1, D)),  # accumulated muck 2-4 working days
    "E0104": ((4, H), (2, H)),  # dirty road 2-5 working hours
    "E0105": ((15, D), (1, D)),  # dirty water surface
    "E0106": ((4, H), (2, H)),  # littered green space
    "C0402": ((5, D), (1, D)),  # green space upkeep
}
# Stage limits (环节时限) of the command centre and the officers, in minutes of the 24x7 clock.
STAGE_LIMITS = {
    "normal": {"verify": 30, "accept": 30, "file": 60, "dispatch": 30, "check": 30},
    "urgent": {"verify": 15, "accept": 10, "file": 15, "dispatch": 10, "check": 15},
}


# Patrol requirements (domain reference §5: the frequencies are a configurable proposal, no
# source gives them). Three eight-hour shifts; each rule is a span of the day cut into windows
# of `every_min` minutes, one visit per window. An object type's rule replaces its zone's.
SHIFTS = [("day", "07:00", "15:00"), ("evening", "15:00", "23:00"), ("night", "23:00", "07:00")]
ZONE_PATROL = {
    # core area: every 2 h by day, every 4 h at night
    "core": [("07:00", "23:00", 120), ("23:00", "07:00", 240)],
    # scenic area: every 2 h while open
    "scenic": [("08:00", "22:00", 120)],
    # residential: three times a day
    "residential": [("07:00", "11:00", 240), ("11:00", "17:00", 360), ("17:00", "21:00", 240)],
    # vacant land: once a day, in daylight
    "vacant": [("08:00", "18:00", 600)],
}
OBJECT_PATROL = {
    # construction sites twice a day (the district's practice, domain reference §5)
    "construction_site": [("07:00", "12:00", 300), ("14:00", "22:00", 480)],
    # schools at the start and the end of the school day
    "school": [("07:00", "08:30", 90), ("16:00", "17:30", 90)],
}
# minutes at a point by object type; a case task (核实 verify, 核查 check) by its task
SERVICE_MINUTES = {
    "default": 3,
    "construction_site": 8,
    "market": 6,
    "school": 5,
    "park": 5,
    "verify": 10,
    "check": 10,
}
WALKING = {"speed_m_per_min": 70, "detour_factor": 1.3}
CHECKIN = {"radius_m": 50, "max_accuracy_m": 100, "token_valid_days": 400}
