"""使用指南: each role opens its own guide from the navigation; the office may open any role's guide."""

from __future__ import annotations

import pytest
from django.urls import reverse

GUIDES = {
    "county": ("县（市、区）人民政府", "申报和建设主体"),
    "office": ("市专业镇发展领导小组办公室", "形式审查"),
    "bureau": ("市直有关单位", "报送重点任务进展"),
    "expert": ("评审专家", "评审打分"),
    "leader": ("领导小组", "目标完成情况"),
    "api": ("数据接口用户", "Authorization: Token"),
}


@pytest.mark.parametrize("role", list(GUIDES))
def test_each_role_reads_its_own_guide_linked_from_the_navigation(client_for, role):
    title, duty = GUIDES[role]
    client = client_for(role)
    page = client.get(reverse("guide")).content.decode()
    assert f"使用指南 · {title}" in page and duty in page
    if role != "api":  # the API account's pages have no navigation of the programme
        assert f'href="{reverse("guide")}"' in client.get("/").content.decode()


def test_only_the_office_switches_to_another_roles_guide(client_for):
    office = client_for("office").get(reverse("guide"), {"role": "county"}).content.decode()
    assert "使用指南 · 县（市、区）人民政府" in office
    county = client_for("county").get(reverse("guide"), {"role": "office"}).content.decode()
    assert "使用指南 · 县（市、区）人民政府" in county and "使用指南 · 市专业镇发展领导小组办公室" not in county
    unknown = client_for("office").get(reverse("guide"), {"role": "nobody"}).content.decode()
    assert "使用指南 · 市专业镇发展领导小组办公室" in unknown


def test_a_user_without_a_role_has_no_guide(client_for):
    assert client_for("norole").get(reverse("guide")).status_code == 403
