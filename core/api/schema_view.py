"""The schema's URL (/api/schema/). Apart from schema.py, which DRF imports as DEFAULT_SCHEMA_CLASS while
drf_spectacular.views is still being imported."""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """/api/schema/, generated once per process, API version and language: the schema changes only with the code,
    and generating it took about half a second per request (the docs page fetches it on every visit)."""

    _schemas: dict[tuple[str, str | None], dict] = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        if key not in self._schemas:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._schemas[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(data=self._schemas[key], headers={"Content-Disposition": f'inline; filename="{filename}"'})
