"""Hardening of the shared platform (issue 11): uploads, throttling, the image's defaults."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import check_attachment

from ..factories import pdf_bytes, png_bytes

# --- finding 11: attachments are checked as a whole, not by their first bytes --------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_real_pdf_passes():
    assert check_attachment(upload("证明.pdf", pdf_bytes("certificate"))) == "application/pdf"


def test_a_real_png_passes():
    assert check_attachment(upload("照片.png", png_bytes())) == "image/png"


def test_a_real_jpeg_passes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 90, 200)).save(buffer, format="JPEG")
    assert check_attachment(upload("照片.jpg", buffer.getvalue())) == "image/jpeg"


def test_a_real_xlsx_passes():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["企业", 1])
    workbook.save(buffer)
    assert check_attachment(upload("明细.xlsx", buffer.getvalue())).endswith("spreadsheetml.sheet")


def test_the_checked_upload_is_rewound_for_storing():
    content = pdf_bytes()
    f = upload("证明.pdf", content)
    check_attachment(f)
    assert f.read() == content


@pytest.mark.parametrize(
    "name,content",
    [
        ("证明.pdf", b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n"),
        ("证明.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),  # header and trailer, no document
        ("证明.pdf", pdf_bytes()[:200]),  # truncated
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
        ("照片.png", png_bytes((64, 64))[:-30]),  # truncated
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"<html>not an image</html>"),
        ("照片.jpg", png_bytes()),  # a PNG named .jpg fails on the signature already
        ("明细.xlsx", b"PK\x03\x04" + b"x" * 200),
    ],
)
def test_a_file_that_only_starts_like_its_type_is_refused(name, content):
    with pytest.raises(ValidationError) as info:
        check_attachment(upload(name, content))
    assert "file" in info.value.error_dict


def test_an_xlsx_zip_bomb_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 10 * 2**20
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * 2**20))  # 50 MB of blanks, ~50 KB packed
    content = buffer.getvalue()
    assert len(content) < 200_000
    with pytest.raises(ValidationError, match="解压后过大"):
        check_attachment(upload("明细.xlsx", content))


def test_an_image_too_large_to_decode_is_refused_from_its_header(monkeypatch):
    from core import uploads

    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 32 * 32, raising=False)
    with pytest.raises(ValidationError, match="图片尺寸过大"):
        check_attachment(upload("照片.png", png_bytes((64, 64))))


def test_a_fake_pdf_is_refused_through_the_application_page(world, cert, client_for):
    from django.urls import reverse

    app = cert.make("draft")
    response = client_for("county").post(
        reverse("application-step", kwargs={"pk": app.pk, "step": "attachments"}),
        {"kind": "other", "file": upload("证明.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>")},
    )
    assert response.status_code == 400
    assert not app.attachments.exists()


# --- finding 13: session and anonymous API calls are throttled too ----------------------------------------------


@pytest.fixture
def tiny_rates(settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/minute", "session": "2/minute", "anonymous": "2/minute"},
    }
    cache.clear()
    yield
    cache.clear()


def test_a_session_user_is_throttled_per_user(world, tiny_rates):
    from rest_framework.test import APIClient

    first, second = APIClient(), APIClient()
    first.force_login(world.users["api"])
    second.force_login(world.users["office"])
    assert [first.get("/api/v1/counties/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/counties/").status_code == 200  # another user has their own budget


def test_anonymous_calls_to_public_endpoints_are_throttled_per_client_address(world, tiny_rates, settings):
    from rest_framework.test import APIClient

    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    behind_proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    codes = [client.get("/api/v1/certificates/", **behind_proxy).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get("/api/v1/certificates/", **behind_proxy)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # a spoofed entry on the left does not buy a fresh budget
    spoofed = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 1.2.3.4"}
    assert client.get("/api/v1/certificates/", **spoofed).status_code == 429
    # another client behind the same proxy has its own
    other = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "5.6.7.8"}
    assert client.get("/api/v1/certificates/", **other).status_code == 200


def test_the_schema_is_throttled_for_anonymous_callers(db, tiny_rates):
    from django.test import Client

    client = Client()
    assert [client.get("/api/schema/").status_code for _ in range(3)] == [200, 200, 429]


def test_token_calls_are_still_throttled_per_token(world, tiny_rates):
    from rest_framework.test import APIClient

    from ..factories import api_key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(world.users['api'])}")
    assert [client.get("/api/v1/counties/").status_code for _ in range(3)] == [200, 200, 429]


def test_throttle_rates_come_from_the_environment():
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'yuncheng_towns.settings'; django.setup();"
        "from django.conf import settings; print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )
    env = {
        **__import__("os").environ,
        "API_TOKEN_RATE": "11/minute",
        "API_SESSION_RATE": "22/minute",
        "API_ANONYMOUS_RATE": "33/minute",
    }
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert "'token': '11/minute'" in out and "'session': '22/minute'" in out and "'anonymous': '33/minute'" in out


# --- finding 15: the image is in production mode unless told otherwise -------------------------------------------


def image_environment() -> dict[str, str]:
    """The variables the Dockerfile's ENV lines set in the image (both the KEY=VALUE and the KEY VALUE form)."""
    import shlex

    from ..deploy_helpers import dockerfile_instructions

    env: dict[str, str] = {}
    for instruction, arguments in dockerfile_instructions():
        if instruction != "ENV":
            continue
        tokens = shlex.split(arguments)
        if tokens and "=" not in tokens[0]:
            env[tokens[0]] = " ".join(tokens[1:])
        else:
            env.update(token.split("=", 1) for token in tokens)
    return env


def run_in_image_environment(**values: str):
    import subprocess
    import sys

    from ..deploy_helpers import ROOT, clean_env

    image = {k: v.replace("/app", str(ROOT)) for k, v in image_environment().items()}
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean_env(**image, **values),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_image_is_in_production_mode_by_default():
    assert image_environment().get("DEBUG") == "0"


def test_the_image_run_without_compose_refuses_to_start_without_its_secrets():
    """``docker run`` of the image with no environment: not DEBUG with the public development key, but a refusal
    that names what is missing."""
    result = run_in_image_environment()
    assert result.returncode != 0 and "started" not in result.stdout
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message and "SECRET_KEY" in message and "DEBUG=0" in message


def test_production_mode_refuses_the_public_development_key(tmp_path):
    from yuncheng_towns import settings as project_settings

    development_key = project_settings.SECRET_KEY  # the test run is in development mode: the public default
    assert development_key.startswith("django-insecure")
    result = run_in_image_environment(
        SECRET_KEY=development_key,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="zyz.example.cn",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message and "SECRET_KEY" in message


def test_the_image_starts_with_its_secrets(tmp_path):
    import secrets

    result = run_in_image_environment(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="zyz.example.cn",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
