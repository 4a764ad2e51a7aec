"""The registry as JSON. Reads go through the selectors, writes through the services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.schema import error
from towns import selectors, services
from towns.filters import EnterpriseFilter, TownFilter
from towns.models import County, Enterprise, Town

from .serializers import (
    CountyOutput,
    EnterpriseFiguresOutput,
    EnterpriseInput,
    EnterpriseOutput,
    FiguresInput,
    TownFiguresOutput,
    TownOutput,
)


class CountyViewSet(viewsets.ReadOnlyModelViewSet):
    """县（市、区） with their number of towns per tier."""

    serializer_class = CountyOutput
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return County.objects.none()
        return selectors.county_list(user=self.request.user)


class TownViewSet(viewsets.ReadOnlyModelViewSet):
    """专业镇名录: every town's registry entry and its latest year's figures."""

    serializer_class = TownOutput
    filterset_class = TownFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Town.objects.none()
        return selectors.town_list(user=self.request.user)

    # The figures of one town: neither the list's filters nor its pagination apply.
    @extend_schema(responses=TownFiguresOutput(many=True))
    @action(detail=True, methods=["get"], url_path="figures", filter_backends=[], pagination_class=None)
    def figures(self, request, pk=None):
        """A town's figures year by year."""
        town = self.get_object()
        return Response(TownFiguresOutput(selectors.town_figures(user=request.user, town=town), many=True).data)

    @extend_schema(request=FiguresInput, responses={201: TownFiguresOutput})
    @figures.mapping.post
    def figures_add(self, request, pk=None):
        """Adds a year of the town's figures (the county of the town or the office)."""
        town = selectors.editable_town_get(user=request.user, pk=self.get_object().pk)
        data = FiguresInput(data=request.data)
        data.is_valid(raise_exception=True)
        figures = services.town_figures_save(user=request.user, town=town, data=data.validated_data)
        return Response(TownFiguresOutput(figures).data, status=status.HTTP_201_CREATED)


# A county official naming a town of another county in the body gets the same 404 as for such a town's enterprise.
TOWN_OUT_OF_SCOPE = _("所填专业镇不在本县（市、区）的范围内。")
ENTERPRISE_WRITE_NOT_FOUND = _("企业不存在或不在本县（市、区）的范围内；或所填专业镇不在本县（市、区）的范围内。")
UPDATE_SCHEMA = extend_schema(
    request=EnterpriseInput, responses={200: EnterpriseOutput, 404: error(ENTERPRISE_WRITE_NOT_FOUND)}
)


@extend_schema_view(update=UPDATE_SCHEMA, partial_update=UPDATE_SCHEMA)
class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """企业. A county official sees and edits only their own county's enterprises."""

    serializer_class = EnterpriseOutput
    filterset_class = EnterpriseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enterprise.objects.none()
        return selectors.enterprise_list(user=self.request.user)

    @extend_schema(
        request=EnterpriseInput,
        responses={201: EnterpriseOutput, 404: error(TOWN_OUT_OF_SCOPE)},
    )
    def create(self, request, *args, **kwargs):
        data = EnterpriseInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enterprise = services.enterprise_create(user=request.user, town=values.pop("town"), data=values)
        return Response(
            EnterpriseOutput(selectors.enterprise_get(user=request.user, pk=enterprise.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        enterprise = selectors.editable_enterprise_get(user=request.user, pk=self.get_object().pk)
        data = EnterpriseInput(enterprise, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        services.enterprise_update(user=request.user, enterprise=enterprise, data=data.validated_data)
        return Response(EnterpriseOutput(selectors.enterprise_get(user=request.user, pk=enterprise.pk)).data)

    @extend_schema(responses={204: None, 409: error(_("该企业已列入认定申请，不能删除。"))})
    def destroy(self, request, *args, **kwargs):
        enterprise = selectors.editable_enterprise_get(user=request.user, pk=self.get_object().pk)
        services.enterprise_delete(user=request.user, enterprise=enterprise)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=EnterpriseFiguresOutput(many=True))
    @action(detail=True, methods=["get"], url_path="figures", filter_backends=[], pagination_class=None)
    def figures(self, request, pk=None):
        """An enterprise's figures year by year."""
        figures = selectors.enterprise_figures(user=request.user, enterprise=self.get_object())
        return Response(EnterpriseFiguresOutput(figures, many=True).data)

    @extend_schema(request=FiguresInput, responses={201: EnterpriseFiguresOutput})
    @figures.mapping.post
    def figures_add(self, request, pk=None):
        """Adds a year of the enterprise's figures."""
        enterprise = selectors.editable_enterprise_get(user=request.user, pk=self.get_object().pk)
        data = FiguresInput(data=request.data)
        data.is_valid(raise_exception=True)
        figures = services.enterprise_figures_save(user=request.user, enterprise=enterprise, data=data.validated_data)
        return Response(EnterpriseFiguresOutput(figures).data, status=status.HTTP_201_CREATED)
