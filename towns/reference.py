"""Reference data from 运政办发〔2023〕8号 (the 2023 three-year action plan) and its annexes."""

from __future__ import annotations

import datetime

from django.db import transaction

from .models import Bureau, County, Enterprise, LeadingGroupOffice, Sector, Tier, Town, TownTierChange

# The 13 county-level units of Yuncheng with their administrative division codes, then the
# development zone, which the plan addresses beside them (运城开发区管委会).
COUNTIES: list[tuple[str, str, str]] = [
    ("盐湖区", "140802", County.Kind.DISTRICT),
    ("永济市", "140881", County.Kind.CITY),
    ("河津市", "140882", County.Kind.CITY),
    ("临猗县", "140821", County.Kind.COUNTY),
    ("万荣县", "140822", County.Kind.COUNTY),
    ("闻喜县", "140823", County.Kind.COUNTY),
    ("稷山县", "140824", County.Kind.COUNTY),
    ("新绛县", "140825", County.Kind.COUNTY),
    ("绛县", "140826", County.Kind.COUNTY),
    ("垣曲县", "140827", County.Kind.COUNTY),
    ("夏县", "140828", County.Kind.COUNTY),
    ("平陆县", "140829", County.Kind.COUNTY),
    ("芮城县", "140830", County.Kind.COUNTY),
    ("运城开发区", "", County.Kind.ZONE),
]

# Annex 1 member units, in the order the annex lists them; every unit a task names is among them.
BUREAUS: list[tuple[str, str]] = [
    ("市委组织部", Bureau.Kind.PARTY),
    ("市委宣传部", Bureau.Kind.PARTY),
    ("市委统战部", Bureau.Kind.PARTY),
    ("市发展改革委", Bureau.Kind.GOVERNMENT),
    ("市教育局", Bureau.Kind.GOVERNMENT),
    ("市科技局", Bureau.Kind.GOVERNMENT),
    ("市工信局", Bureau.Kind.GOVERNMENT),
    ("市民政局", Bureau.Kind.GOVERNMENT),
    ("市司法局", Bureau.Kind.GOVERNMENT),
    ("市财政局", Bureau.Kind.GOVERNMENT),
    ("市人社局", Bureau.Kind.GOVERNMENT),
    ("市规划和自然资源局", Bureau.Kind.GOVERNMENT),
    ("市生态环境局", Bureau.Kind.GOVERNMENT),
    ("市住建局", Bureau.Kind.GOVERNMENT),
    ("市交通局", Bureau.Kind.GOVERNMENT),
    ("市农业农村局", Bureau.Kind.GOVERNMENT),
    ("市商务局", Bureau.Kind.GOVERNMENT),
    ("市文旅局", Bureau.Kind.GOVERNMENT),
    ("市市场监管局", Bureau.Kind.GOVERNMENT),
    ("市体育局", Bureau.Kind.GOVERNMENT),
    ("市统计局", Bureau.Kind.GOVERNMENT),
    ("市政府发展研究中心", Bureau.Kind.GOVERNMENT),
    ("市审批服务管理局", Bureau.Kind.GOVERNMENT),
    ("市水务局", Bureau.Kind.GOVERNMENT),
    ("市金融办", Bureau.Kind.GOVERNMENT),
    ("市能源局", Bureau.Kind.GOVERNMENT),
    ("运城海关", Bureau.Kind.VERTICAL),
    ("人行运城市中心支行", Bureau.Kind.VERTICAL),
    ("市税务局", Bureau.Kind.VERTICAL),
    ("运城银保监分局", Bureau.Kind.VERTICAL),
    ("市招商投资中心", Bureau.Kind.GOVERNMENT),
    ("运城日报社", Bureau.Kind.OTHER),
    ("市广播电视台", Bureau.Kind.OTHER),
]

OFFICE_NAME = "市专业镇发展领导小组办公室"
# The issuer printed on every official document (certificate, decision letter, 督办通知书).
ISSUER = "运城市专业镇发展领导小组办公室"
OFFICE_HOST = "市工信局"
OFFICE_DEPUTIES = ("市农业农村局", "市文旅局")

ANNEX2_SOURCE = "运政办发〔2023〕8号 附件2（2022年9月28日运城市特色专业镇工作推进会议）"
ANNEX2_DATE = datetime.date(2022, 9, 28)

# Annex 2: the first batch. (town, county, leading industry, sector, tier, associations named by the plan)
FIRST_BATCH: list[tuple[str, str, str, str, str, str]] = [
    ("万荣县外加剂", "万荣县", "混凝土外加剂", Sector.MANUFACTURING, Tier.PROVINCIAL, "万荣县外加剂协会"),
    ("盐湖区水泵", "盐湖区", "水泵", Sector.MANUFACTURING, Tier.CITY, "运城潜水泵产业联盟"),
    ("闻喜县玻璃器皿", "闻喜县", "玻璃器皿", Sector.MANUFACTURING, Tier.CITY, "闻喜玻璃协会"),
    ("永济市机电制造", "永济市", "机电制造", Sector.MANUFACTURING, Tier.CITY, ""),
    ("稷山县纸包装", "稷山县", "纸包装", Sector.MANUFACTURING, Tier.CITY, "稷山纸包装协会"),
    ("临猗县渔药", "临猗县", "渔药", Sector.MANUFACTURING, Tier.CITY, ""),
]

# Enterprises the plan names (四、2, 5, 6, 8), by the names it uses. Their credit codes are not in
# the document: they load blank for the county to enter. The town of 宏伟玻璃 and 佳维新材料 is
# inferred from their industry (glassware; concrete admixtures) and may be corrected by the county.
NAMED_ENTERPRISES: list[tuple[str, str, str]] = [
    ("康特尔", "万荣县外加剂", Enterprise.Role.ANCHOR),
    ("佳维新材料", "万荣县外加剂", Enterprise.Role.OTHER),
    ("天海泵业", "盐湖区水泵", Enterprise.Role.ANCHOR),
    ("宏伟玻璃", "闻喜县玻璃器皿", Enterprise.Role.ANCHOR),
    ("中车永济电机", "永济市机电制造", Enterprise.Role.ANCHOR),
    ("昕光包装", "稷山县纸包装", Enterprise.Role.ANCHOR),
]


@transaction.atomic
def load_reference_data() -> dict[str, int]:
    """Idempotent: creates what is missing, never changes what is there. Returns counts created."""
    created = {"counties": 0, "bureaus": 0, "towns": 0, "enterprises": 0}
    counties = {}
    for order, (name, code, kind) in enumerate(COUNTIES):
        counties[name], was_created = County.objects.get_or_create(
            name=name, defaults={"division_code": code, "kind": kind, "sort_order": order}
        )
        created["counties"] += was_created
    bureaus = {}
    for order, (name, kind) in enumerate(BUREAUS):
        bureaus[name], was_created = Bureau.objects.get_or_create(
            name=name, defaults={"kind": kind, "sort_order": order, "leading_group_member": True}
        )
        created["bureaus"] += was_created
    office, was_created = LeadingGroupOffice.objects.get_or_create(
        name=OFFICE_NAME, defaults={"host_bureau": bureaus[OFFICE_HOST]}
    )
    if was_created:
        office.deputy_bureaus.set([bureaus[name] for name in OFFICE_DEPUTIES])
    towns = {}
    for name, county, industry, sector, tier, associations in FIRST_BATCH:
        towns[name], was_created = Town.objects.get_or_create(
            name=name,
            defaults={
                "county": counties[county],
                "leading_industry": industry,
                "sector": sector,
                "tier": tier,
                "tier_since": ANNEX2_DATE,
                "description": f"行业协会/联盟：{associations}" if associations else "",
            },
        )
        if was_created:
            created["towns"] += 1
            TownTierChange.objects.create(
                town=towns[name], from_tier="", to_tier=tier, effective_date=ANNEX2_DATE, source=ANNEX2_SOURCE
            )
    for name, town, role in NAMED_ENTERPRISES:
        _, was_created = Enterprise.objects.get_or_create(town=towns[town], name=name, defaults={"role": role})
        created["enterprises"] += was_created
    return created
