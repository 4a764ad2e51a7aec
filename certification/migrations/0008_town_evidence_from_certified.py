"""The national-market and traditional-feature claims of applications already certified become their towns'
standing evidence (towns.TownEvidence), as certifying does from now on (certification.town_evidence)."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Application = apps.get_model("certification", "Application")
    TownEvidence = apps.get_model("towns", "TownEvidence")
    Certificate = apps.get_model("certification", "Certificate")
    certified = Application.objects.filter(status="certified").order_by("decided_at", "pk")
    rows = []
    for app in certified:
        certificate = Certificate.objects.filter(application_id=app.pk).first()
        if app.decided_at:
            accepted_on = timezone.localtime(app.decided_at).date()
        elif certificate:
            accepted_on = certificate.issued_on
        else:
            continue
        source = f"认定申请{app.number}" + (f"（认定证书{certificate.number}）" if certificate else "")
        common = {
            "town_id": app.town_id,
            "document": f"认定申请{app.number}申报材料",
            "source": source,
            "accepted_on": accepted_on,
            "accepted_by_id": app.decided_by_id,
        }
        if app.national_market and app.national_market_evidence.strip():
            rows.append(TownEvidence(kind="national_market", statement=app.national_market_evidence.strip(), **common))
        if app.traditional_feature and app.traditional_feature_kind and app.traditional_feature_evidence.strip():
            rows.append(
                TownEvidence(
                    kind="traditional_feature",
                    feature_kind=app.traditional_feature_kind,
                    statement=app.traditional_feature_evidence.strip(),
                    **common,
                )
            )
    TownEvidence.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    TownEvidence = apps.get_model("towns", "TownEvidence")
    TownEvidence.objects.filter(source__startswith="认定申请").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0007_reexamination"),
        ("towns", "0005_town_evidence"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
