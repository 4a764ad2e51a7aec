"""A county's own job and tax targets (任务12): who may set them and how progress is read from towns' figures."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from towns import county_targets, services
from towns.models import CountyTarget
from towns.permissions import OutOfScope

from ..factories import CountyTargetFactory, TownFactory, TownFiguresFactory

pytestmark = pytest.mark.django_db


def test_a_county_sets_its_own_targets_and_revises_them(world):
    county, user = world.home_county, world.users["county"]
    target = services.county_target_save(user=user, county=county, year=2024, data={"jobs_target": 3000})
    assert target.jobs_target == 3000 and target.tax_target_wan is None
    services.county_target_save(
        user=user, county=county, year=2024, data={"jobs_target": 3500, "tax_target_wan": Decimal("100")}
    )
    assert CountyTarget.objects.get(county=county, year=2024).jobs_target == 3500
    assert AuditEntry.objects.filter(object_id=str(target.pk), action=AuditEntry.Action.UPDATE).exists()


def test_another_county_is_out_of_scope_and_other_roles_are_forbidden(world):
    with pytest.raises(OutOfScope):
        services.county_target_save(
            user=world.users["county"], county=world.other_county, year=2024, data={"jobs_target": 1}
        )
    for role in ("bureau", "leader", "expert"):
        with pytest.raises(PermissionDenied):
            services.county_target_save(
                user=world.users[role], county=world.home_county, year=2024, data={"jobs_target": 1}
            )
    services.county_target_save(
        user=world.users["office"], county=world.other_county, year=2024, data={"jobs_target": 1}
    )
    assert CountyTarget.objects.filter(county=world.other_county).count() == 1


def test_an_empty_or_negative_target_saves_nothing(world):
    for data in ({}, {"tax_target_wan": Decimal("-1")}):
        with pytest.raises(ValidationError):
            services.county_target_save(user=world.users["county"], county=world.home_county, year=2024, data=data)
    assert not CountyTarget.objects.exists()


def test_progress_sums_the_countys_towns_for_the_year(world):
    county = world.home_county
    second = TownFactory(county=county)
    TownFiguresFactory(town=second, year=2024, local_jobs=700, tax_wan=Decimal("50"))
    home_2024 = world.home_town.figures.get(year=2024)
    CountyTargetFactory(county=county, year=2024, jobs_target=home_2024.local_jobs + 700, tax_target_wan=None)
    progress = county_targets.progress_by_county(2024)[county.pk]
    assert progress.jobs_actual == home_2024.local_jobs + 700
    assert progress.jobs_met is True and progress.tax_met is None
    assert (progress.targets_set, progress.targets_met) == (1, 1)


def test_a_target_with_nothing_reported_is_not_met(world):
    CountyTargetFactory(county=world.home_county, year=2025, jobs_target=1, tax_target_wan=Decimal("1"))
    progress = county_targets.progress_by_county(2025)[world.home_county.pk]
    assert progress.jobs_actual is None and progress.jobs_met is False and progress.tax_met is False
    assert progress.targets_met == 0 and progress.jobs_pct is None
