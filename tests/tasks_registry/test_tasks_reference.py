"""The 12 key tasks in tasks_registry.reference, checked against the seed document (运政办发〔2023〕8号)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks_registry.reference import COUNTIES_ENTRY, COUNTIES_IN_DOCUMENT, TASKS, THEMES, TaskSpec

# The plan is a public document (此件公开发布); a copy lives in docs/ so the check never depends on the
# workspace around the repository.
SEED = Path(__file__).resolve().parents[2] / "docs" / "运政办发〔2023〕8号-运城市促进专业镇高质量发展三年行动计划.txt"

# Transcribed by hand from 四、重点任务, task by task: (lead units 牵头, supporting city units 按职责分工负责).
# Every task ends "…和各县[市、区]人民政府按职责分工负责"; the counties are not repeated here.
EXPECTED_UNITS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    1: (
        ("市工信局", "市农业农村局", "市文旅局"),
        ("市发展改革委", "市市场监管局", "市审批服务管理局", "市财政局"),
    ),
    2: (
        ("市工信局", "市农业农村局", "市文旅局"),
        ("市发展改革委", "市科技局", "市规划和自然资源局", "市市场监管局", "市审批服务管理局", "市金融办"),
    ),
    3: (
        ("市发展改革委",),
        ("市工信局", "市农业农村局", "市文旅局"),
    ),
    4: (
        ("市科技局",),
        ("市工信局", "市农业农村局", "市文旅局", "市发展改革委", "市市场监管局"),
    ),
    5: (
        ("市市场监管局",),
        ("市发展改革委", "市科技局", "市工信局", "市农业农村局", "市文旅局"),
    ),
    6: (
        ("市发展改革委",),
        ("市工信局", "市农业农村局", "市文旅局", "市市场监管局", "市审批服务管理局", "市金融办"),
    ),
    7: (
        ("市审批服务管理局", "市发展改革委", "市商务局"),
        ("市规划和自然资源局", "市能源局", "市水务局", "市交通局"),
    ),
    8: (
        ("市金融办",),
        ("市工信局", "市农业农村局", "市文旅局", "市财政局", "人行运城市中心支行", "运城银保监分局"),
    ),
    9: (
        ("市规划和自然资源局", "市能源局", "市生态环境局"),
        ("市工信局", "市农业农村局", "市文旅局", "市发展改革委"),
    ),
    10: (
        ("市招商投资中心",),
        ("市工信局", "市农业农村局", "市文旅局", "市审批服务管理局"),
    ),
    11: (
        ("市商务局",),
        ("市发展改革委", "市工信局", "市农业农村局", "市文旅局", "市交通局", "市市场监管局"),
    ),
    12: (
        ("市人社局", "市教育局", "市发展改革委"),
        ("市科技局", "市工信局", "市农业农村局", "市文旅局"),
    ),
}

EXPECTED_TITLES = {
    1: "推动专业镇市场主体倍增",
    2: "推动专业镇主导产业壮大",
    3: "推动专业镇重大项目建设",
    4: "推动专业镇创新能力提升",
    5: "推动专业镇质量品牌打造",
    6: "推动专业镇“两个转型”发展",
    7: "推动专业镇发展环境优化",
    8: "推动专业镇融资渠道畅通",
    9: "推动专业镇用地用能排污保障",
    10: "推动专业镇招商引资精准高效",
    11: "推动专业镇市场份额扩大",
    12: "推动专业镇就业富民赋能",
}

CHINESE_NUMERALS = "一二三四"


@pytest.fixture(scope="module")
def document() -> str:
    """The document with its line breaks and page-break indentation joined away (nothing added)."""
    if not SEED.is_file():
        pytest.fail(f"the plan's text is missing from the repository: {SEED}")
    return "".join(line.strip() for line in SEED.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="module")
def key_tasks_section(document) -> str:
    start, end = document.index("四、重点任务"), document.index("五、保障措施")
    return document[start:end]


def test_twelve_tasks_three_per_theme_in_order():
    assert [task.number for task in TASKS] == list(range(1, 13))
    assert [key for key, _ in THEMES] == ["引", "专", "优", "效"]
    assert [task.theme for task in TASKS] == ["引"] * 3 + ["专"] * 3 + ["优"] * 3 + ["效"] * 3
    assert {task.number: task.title for task in TASKS} == EXPECTED_TITLES


def test_theme_headings_are_the_documents(key_tasks_section):
    position = 0
    for numeral, (key, heading) in zip(CHINESE_NUMERALS, THEMES, strict=True):
        assert heading == f"聚焦“{key}”字，{heading.split('，', 1)[1]}"
        found = key_tasks_section.find(f"（{numeral}）{heading}", position)
        assert found >= 0, heading
        position = found


@pytest.mark.parametrize("task", TASKS, ids=lambda task: f"task{task.number}")
def test_task_paragraph_is_verbatim(task: TaskSpec, key_tasks_section):
    paragraph = f"{task.number}.{task.title}。{task.text}（{task.responsibility}）"
    assert paragraph in key_tasks_section
    assert task.text.endswith("。")
    assert "\n" not in task.text


def test_tasks_follow_each_other_under_their_themes(key_tasks_section):
    """The paragraphs tile the section: each theme heading, then its tasks, with nothing in between."""
    rebuilt = "四、重点任务"
    for numeral, (key, heading) in zip(CHINESE_NUMERALS, THEMES, strict=True):
        rebuilt += f"（{numeral}）{heading}"
        for task in (t for t in TASKS if t.theme == key):
            rebuilt += f"{task.number}.{task.title}。{task.text}（{task.responsibility}）"
    assert rebuilt == key_tasks_section


@pytest.mark.parametrize("task", TASKS, ids=lambda task: f"task{task.number}")
def test_units_one_by_one(task: TaskSpec):
    expected_lead, expected_support = EXPECTED_UNITS[task.number]
    assert len(task.lead_units) == len(expected_lead)
    for position, (unit, expected) in enumerate(zip(task.lead_units, expected_lead, strict=True)):
        assert unit == expected, f"task {task.number} lead unit {position + 1}"
    assert len(task.supporting_units) == len(expected_support)
    for position, (unit, expected) in enumerate(zip(task.supporting_units, expected_support, strict=True)):
        assert unit == expected, f"task {task.number} supporting unit {position + 1}"
    assert task.counties_support is True
    assert COUNTIES_ENTRY not in task.supporting_units


@pytest.mark.parametrize("task", TASKS, ids=lambda task: f"task{task.number}")
def test_responsibility_is_the_units_in_order(task: TaskSpec):
    assert task.responsibility == (
        f"{'、'.join(task.lead_units)}牵头，{'、'.join(task.supporting_units)}和{COUNTIES_IN_DOCUMENT}按职责分工负责"
    )


def test_three_lead_units_where_the_document_names_three():
    assert [task.number for task in TASKS if len(task.lead_units) == 3] == [1, 2, 7, 9, 12]
    assert {"人行运城市中心支行", "运城银保监分局"} <= set(TASKS[7].supporting_units)


def test_every_unit_is_a_bureau():
    from towns.reference import BUREAUS

    bureaus = {name for name, _kind in BUREAUS}
    for task in TASKS:
        for unit in task.lead_units + task.supporting_units:
            assert unit in bureaus, f"task {task.number}: {unit}"
        assert len(set(task.lead_units + task.supporting_units)) == len(task.lead_units + task.supporting_units)


@pytest.mark.parametrize("task", TASKS, ids=lambda task: f"task{task.number}")
def test_measures_are_clauses_of_the_task(task: TaskSpec):
    assert 3 <= len(task.measures) <= 7
    titles = [measure.title for measure in task.measures]
    assert len(set(titles)) == len(titles), titles
    position = 0
    for measure in task.measures:
        assert measure.title and len(measure.title) <= 20, measure.title
        assert measure.text in task.text, measure.title
        assert task.text.count(measure.text) == 1, measure.title
        # in paragraph order, not overlapping
        found = task.text.index(measure.text)
        assert found >= position, measure.title
        position = found + len(measure.text)
    covered = sum(len(measure.text) for measure in task.measures)
    assert covered >= 0.8 * len(task.text), f"task {task.number}: measures cover {covered}/{len(task.text)}"
