"""Factories of the annual assessment (evaluation.assessment_models): valid rows by default."""

from __future__ import annotations

import factory

from evaluation import assessment as rules

from .registry import CountyFactory
from .workflows import EvaluationRunFactory

__all__ = ["AssessmentConfigFactory", "AssessmentFactory", "AssessmentResultFactory"]


class AssessmentConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.AssessmentConfig"
        django_get_or_create = ("year",)

    year = 2025
    county_weights = factory.LazyFunction(lambda: rules.default_weights(rules.COUNTY))
    bureau_weights = factory.LazyFunction(lambda: rules.default_weights(rules.BUREAU))


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.Assessment"
        django_get_or_create = ("year",)

    year = 2025
    evaluation = factory.SubFactory(EvaluationRunFactory, year=factory.SelfAttribute("..year"))
    status = "draft"
    county_weights = factory.LazyFunction(lambda: rules.default_weights(rules.COUNTY))
    bureau_weights = factory.LazyFunction(lambda: rules.default_weights(rules.BUREAU))
    as_of = factory.LazyFunction(lambda: __import__("datetime").date(2026, 2, 1))


class AssessmentResultFactory(factory.django.DjangoModelFactory):
    """A county's row, every indicator at 100 (weights: the defaults)."""

    class Meta:
        model = "evaluation.AssessmentResult"

    assessment = factory.SubFactory(AssessmentFactory)
    kind = rules.COUNTY
    county = factory.SubFactory(CountyFactory)
    name = factory.SelfAttribute("county.name")
    indicators = factory.LazyFunction(
        lambda: {
            code: {
                "text": "按时报送 1/1",
                "numerator": "1",
                "denominator": "1",
                "score": "100.0",
                "weight": weight,
                "points": f"{weight}.0",
                "details": [],
            }
            for code, weight in rules.default_weights(rules.COUNTY).items()
        }
    )
    total = factory.LazyFunction(lambda: __import__("decimal").Decimal("100.0"))
    rank = 1
