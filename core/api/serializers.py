from rest_framework import serializers


class ErrorOutput(serializers.Serializer):
    """Every error but a validation error: {"detail": "..."}."""

    detail = serializers.CharField()


class ValidationErrorOutput(serializers.Serializer):
    """A 400 naming each invalid field (body or filter), ``{"field": ["message", ...], ...}``; errors not tied to a
    field come under ``non_field_errors``. Its schema is a map, which a serializer's fields cannot say: see
    core.api.schema.ValidationErrorScheme."""
