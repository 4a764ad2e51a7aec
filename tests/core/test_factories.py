"""Every model of the portal has a factory that builds a valid row (it saves, and full_clean passes on every
field the model requires)."""

from __future__ import annotations

import inspect

import factory
import pytest
from django.apps import apps

from .. import factories

APPS = ("core", "towns", "certification", "tasks_registry", "evaluation")
BY_MODEL = {
    f._meta.get_model_class(): f
    for _, f in inspect.getmembers(factories, inspect.isclass)
    if issubclass(f, factory.django.DjangoModelFactory) and f is not factory.django.DjangoModelFactory
}
MODELS = [m for label in APPS for m in apps.get_app_config(label).get_models()]


def test_every_model_has_a_factory():
    missing = [m._meta.label for m in MODELS if m not in BY_MODEL]
    assert not missing, f"models without a factory in tests/factories.py: {missing}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_the_factory_builds_a_valid_row(db, model, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    obj = BY_MODEL[model]()
    obj.full_clean(exclude=[f.name for f in model._meta.fields if f.null])  # nullable: left empty by design
    assert type(obj).objects.filter(pk=obj.pk).exists()
