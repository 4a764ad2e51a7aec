from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certification import engine, selectors
from certification.filters import ApplicationFilter
from certification.models import Application, Certificate, CriteriaPolicy
from core.api.schema import error

from .serializers import (
    ApplicationOutput,
    CertificateOutput,
    PolicyOutput,
    PrecheckInput,
    VerdictOutput,
)


class PrecheckView(APIView):
    """The four criteria on figures sent in: the county's self-check, and other systems' check."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]  # the flags are JSON booleans (StrictBooleanField), which a form cannot send

    @extend_schema(
        request=PrecheckInput,
        responses={200: VerdictOutput, 404: error(_("没有该编号的认定标准；未指定编号时，尚未设定任何认定标准。"))},
        parameters=[OpenApiParameter("policy", str, description="认定标准编号（默认：当前批次的标准）")],
    )
    def post(self, request):
        data = PrecheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = selectors.policy_for_precheck(request.query_params.get("policy"))
        return Response(engine.evaluate(data.facts(), policy.thresholds()).as_dict())


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    """认定申请, scoped by role as on the pages (bureaus 403; other counties' 404)."""

    serializer_class = ApplicationOutput
    filterset_class = ApplicationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return selectors.application_list(user=self.request.user).select_related("certificate")


class CertificateViewSet(viewsets.ReadOnlyModelViewSet):
    """认定证书: public."""

    serializer_class = CertificateOutput
    permission_classes = [AllowAny]
    authentication_classes = []
    filter_backends = []

    def get_queryset(self):
        return (
            selectors.certificate_list()
            if not getattr(self, "swagger_fake_view", False)
            else Certificate.objects.none()
        )


class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PolicyOutput
    permission_classes = [IsAuthenticated]
    filter_backends = []
    queryset = CriteriaPolicy.objects.order_by("-created_at")
