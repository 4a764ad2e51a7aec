"""Production deployment: Dockerfile, docker-compose.yml, gunicorn and health checks, production-mode settings.

No Docker engine runs here, so the container files are checked by parsing them, and what they run (collectstatic
with the build-time environment, gunicorn with deploy/gunicorn.conf.py, the health-check commands) is run for
real in subprocesses with a clean environment.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import dj_database_url
import pytest
import yaml
from django.test.utils import override_settings

from ..deploy_helpers import DOCKERFILE, ROOT, clean_env, dockerfile_instructions

COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
ENV_EXAMPLE = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")

APP_SERVICES = ("web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat", "db", "redis")
REQUIRED_SECRETS = ("SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD")
TIMEOUT = 120

# Variables that configure the portal; removed from the environment of every subprocess so that the developer's
# or CI's own settings (CI exports DATABASE_URL and REDIS_URL) cannot leak into the scenario under test.


def unavailable(reason: str):
    """A missing service skips the test, except with REQUIRE_SERVICES=1 (CI), where it fails it."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def production_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """Every variable production mode needs, with harmless values."""
    required = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "ALLOWED_HOSTS": "zyz.example.cn",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    return clean_env(**{**required, **values})


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True, and its children (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start(argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as handle:
        return subprocess.Popen(  # noqa: S603 - fixed argv
            argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:-|:\?|-|\?)(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """The subset of compose's variable interpolation that docker-compose.yml uses."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        current = env.get(name)
        if op == ":?" and not current:
            raise LookupError(f"{name}: {arg}")
        if op == ":-" and not current:
            return arg
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def render(node, env: dict[str, str]):
    """docker-compose.yml as compose sees it with this environment (values only; comments are not interpolated)."""
    if isinstance(node, dict):
        return {key: render(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [render(value, env) for value in node]
    return interpolate(node, env) if isinstance(node, str) else node


def command_text(command) -> str:
    return command if isinstance(command, str) else " ".join(command)


def healthcheck_command(service: str) -> str:
    """The health check's command line, as the container's shell would see it."""
    test = SERVICES[service]["healthcheck"]["test"]
    if isinstance(test, str):
        return test
    kind, *argv = test
    assert kind in ("CMD", "CMD-SHELL"), test
    text = argv[0] if kind == "CMD-SHELL" else shlex.join(argv)
    return text.replace("$$", "$")


def load_healthcheck_module():
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", ROOT / "deploy" / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- docker-compose.yml ---------------------------------------------------------------------------------------


def test_compose_defines_the_stack_without_a_version_key():
    assert "version" not in COMPOSE
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(SERVICES)
    assert SERVICES["db"]["image"] == "postgres:15"
    assert SERVICES["redis"]["image"] == "redis:7"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart_and_have_a_healthcheck(name):
    service = SERVICES[name]
    assert service["restart"] == "unless-stopped"
    assert service["healthcheck"]["test"], f"{name} has no health check"
    assert not service["healthcheck"].get("disable")


def test_migrate_is_a_one_shot_that_migrates_and_loads_reference_data():
    migrate = SERVICES["migrate"]
    assert migrate["restart"] == "no", "a one-shot must not be restarted after it exits"
    command = command_text(migrate["command"])
    assert "manage.py migrate --noinput" in command
    assert "manage.py load_reference_data" in command
    assert command.index("migrate --noinput") < command.index("load_reference_data")
    assert migrate["depends_on"]["db"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_db_and_redis_and_completed_migrations(name):
    depends_on = SERVICES[name]["depends_on"]
    assert depends_on["db"] == {"condition": "service_healthy"}
    assert depends_on["redis"] == {"condition": "service_healthy"}
    assert depends_on["migrate"] == {"condition": "service_completed_successfully"}


def test_db_and_redis_healthchecks():
    assert healthcheck_command("db").startswith("pg_isready")
    assert healthcheck_command("redis") == "redis-cli ping"


@pytest.mark.parametrize("name", (*APP_SERVICES, "migrate"))
def test_app_services_run_in_production_mode_from_the_same_image(name):
    service = SERVICES[name]
    assert service["environment"]["DEBUG"] == "0"
    assert service["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert service["image"] == SERVICES["web"]["image"]


def test_secrets_are_required_from_the_environment_never_hard_coded():
    for name in (*APP_SERVICES, "migrate"):
        environment = SERVICES[name]["environment"]
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert environment["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
    assert SERVICES["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "django-insecure" not in COMPOSE_TEXT
    assert not re.search(r"(SECRET_KEY|PASSWORD)\s*[:=]\s*['\"]?[A-Za-z0-9]", COMPOSE_TEXT)


def test_compose_refuses_to_start_without_each_secret():
    complete = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "zyz.example.cn", "POSTGRES_PASSWORD": "pw"}
    render(COMPOSE, complete)
    for name in REQUIRED_SECRETS:
        for missing in ({k: v for k, v in complete.items() if k != name}, {**complete, name: ""}):
            with pytest.raises(LookupError, match=name):
                render(COMPOSE, missing)


def test_database_and_redis_urls_are_composed_from_the_services():
    env = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "zyz.example.cn", "POSTGRES_PASSWORD": "s3cr3tHex"}
    rendered = render(COMPOSE, env)["services"]
    db_env = rendered["db"]["environment"]
    for name in (*APP_SERVICES, "migrate"):
        environment = rendered[name]["environment"]
        database = dj_database_url.parse(environment["DATABASE_URL"])
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert (database["HOST"], database["PORT"]) == ("db", 5432)
        assert database["NAME"] == db_env["POSTGRES_DB"]
        assert database["USER"] == db_env["POSTGRES_USER"]
        assert database["PASSWORD"] == db_env["POSTGRES_PASSWORD"] == "s3cr3tHex"
        redis_url = urllib.parse.urlsplit(environment["REDIS_URL"])
        assert (redis_url.scheme, redis_url.hostname, redis_url.port) == ("redis", "redis", 6379)


def test_data_lives_in_declared_named_volumes():
    declared = set(COMPOSE["volumes"])
    mounts = {}
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            assert not source.startswith(("/", ".", "~")), f"{name} bind-mounts {source}; use a named volume"
            assert source in declared, f"{name} uses undeclared volume {source}"
            mounts[(name, target)] = source
    assert mounts[("db", "/var/lib/postgresql/data")] in declared
    media_root = SERVICES["web"]["environment"]["MEDIA_ROOT"]
    assert mounts[("web", media_root)] == mounts[("worker", media_root)]
    schedule = command_text(SERVICES["beat"]["command"]).split("--schedule ")[1].split()[0]
    assert ("beat", str(Path(schedule).parent)) in mounts


def test_celery_services_run_the_project_app():
    worker = command_text(SERVICES["worker"]["command"])
    beat = command_text(SERVICES["beat"]["command"])
    assert worker.startswith("celery -A yuncheng_towns worker")
    assert beat.startswith("celery -A yuncheng_towns beat")
    # The health checks ping the node running in the same container (Docker sets HOSTNAME to the container's).
    assert healthcheck_command("worker").startswith("celery -A yuncheng_towns inspect ping")
    assert "--destination celery@$HOSTNAME" in healthcheck_command("worker")
    assert "--enable-remote-control" in beat, "beat answers inspect ping only with remote control enabled"
    assert "--destination celerybeat@$HOSTNAME" in healthcheck_command("beat")


def test_web_runs_gunicorn_with_the_project_wsgi_and_probes_readyz():
    web = SERVICES["web"]
    command = command_text(web.get("command") or json.loads(dict(dockerfile_instructions())["CMD"]))
    assert command.startswith("gunicorn")
    assert "yuncheng_towns.wsgi" in command
    assert "--config deploy/gunicorn.conf.py" in command
    assert (ROOT / "deploy" / "gunicorn.conf.py").is_file()
    assert any(str(port).endswith(":8000") for port in web["ports"])
    probe = healthcheck_command("web")
    assert probe.startswith("python deploy/healthcheck.py")
    assert "/readyz" in probe
    if "curl" not in DOCKERFILE:
        assert "curl" not in probe, "python:3.11-slim has no curl"


# --- Dockerfile and .dockerignore -------------------------------------------------------------------------------


def test_dockerfile_base_user_requirements_and_port():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert users, "the container must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    runs = [arguments for instruction, arguments in instructions if instruction == "RUN"]
    assert any(re.search(r"pip install .*-r \S*requirements\.txt", run) for run in runs)
    assert ("EXPOSE", "8000") in instructions
    # Everything runs after USER except the build steps.
    last_user = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "USER")
    assert all(instruction != "RUN" for instruction, _ in instructions[last_user:])


def test_requirements_are_pinned():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line]
    assert requirements
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line) for line in requirements), requirements


def test_collectstatic_runs_with_the_dockerfile_build_time_environment(tmp_path):
    """The build step, exactly as the Dockerfile runs it, in production mode (manifest storage)."""
    run = next(arguments for instruction, arguments in dockerfile_instructions() if "collectstatic" in arguments)
    assignments, _, command = run.partition(" python manage.py ")
    build_env = dict(token.split("=", 1) for token in shlex.split(assignments))
    assert build_env["DEBUG"] == "0"
    assert command.split()[:2] == ["collectstatic", "--noinput"]
    static_root = tmp_path / "staticfiles"
    result = manage(*command.split("&&")[0].split(), env=clean_env(**build_env, STATIC_ROOT=str(static_root)))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert any(name.startswith("admin/") for name in manifest["paths"])


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern.replace("**/", "")) for pattern in patterns
    )


def test_dockerignore_keeps_secrets_out_and_the_app_in():
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()[:1] not in ("", "#")
    ]
    assert not any(pattern.startswith("!") for pattern in patterns)
    for path in (".env", ".env.production", ".git", ".venv", "db.sqlite3", "media", "staticfiles"):
        assert _ignored(path, patterns), f"{path} would be sent to the build"
    from django.conf import settings

    local_apps = [app for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()]
    needed = ["manage.py", "requirements.txt", "yuncheng_towns", "templates", "static", "deploy/gunicorn.conf.py"]
    for path in [*needed, "deploy/healthcheck.py", *local_apps]:
        assert not _ignored(path, patterns), f"{path} is needed in the image"


# --- deploy/env.example -------------------------------------------------------------------------------------------


class _RecordingEnv(dict):
    """An environment in which every variable is set, and which remembers the names asked for."""

    def __init__(self, names: set[str]):
        super().__init__()
        self.names = names

    def get(self, name, default=None):
        self.names.add(name)
        return "x"


def test_env_example_documents_every_variable():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, re.MULTILINE))
    used = set()
    render(COMPOSE, _RecordingEnv(used))
    reads = re.compile(r"(?:environ\.get|env_bool|env_list)\(\s*[\"']([A-Z_]+)[\"']")
    for package in ("yuncheng_towns", "towns", "certification", "tasks_registry", "deploy"):
        for path in (ROOT / package).rglob("*.py"):
            used |= set(reads.findall(path.read_text()))
    assert used - documented == set(), "add these to deploy/env.example"
    for name in REQUIRED_SECRETS:
        assert re.search(rf"^{name}=$", ENV_EXAMPLE, re.MULTILINE), f"{name} must be an empty line to fill in"


# --- production mode -----------------------------------------------------------------------------------------------


def test_production_mode_refuses_to_start_without_secrets():
    env = clean_env(DEBUG="0", ALLOWED_HOSTS="zyz.example.cn", REDIS_URL="redis://127.0.0.1:6379/0")
    result = manage("check", env=env)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message
    assert "SECRET_KEY" in message
    assert "DATABASE_URL" in message
    assert "ALLOWED_HOSTS" not in message


def test_production_mode_names_every_missing_variable():
    result = manage("check", env=clean_env(DEBUG="0"))
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CELERY_BROKER_URL or REDIS_URL"):
        assert name in message


# drf-spectacular's schema check (deploy-only) warns about views that it cannot introspect; see the report of the
# change that added this file. Any other warning fails the test; once the views are fixed the test simply passes.
def test_check_deploy_in_production_mode_reports_no_issues(tmp_path):
    result = manage("check", "--deploy", env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stderr


# --- /healthz and /readyz ------------------------------------------------------------------------------------------


def test_healthz_answers_without_database_access(client):
    # No django_db mark: pytest-django makes any database access raise here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_healthz_runs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200


@pytest.fixture
def broker_from_settings(monkeypatch):
    # Celery prefers the process environment's CELERY_BROKER_URL over its configuration (app.conf.broker_url),
    # so drop it: then the Celery app reads the broker from Django settings, including override_settings.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    from yuncheng_towns.celery import app

    return app


@pytest.mark.django_db
def test_readyz_ok_when_database_and_broker_answer(client, broker_from_settings):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="memory://"):
        assert broker_from_settings.conf.broker_url == "memory://"
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_503_when_broker_unreachable(client, broker_from_settings):
    unreachable = "redis://127.0.0.1:1/0"
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=unreachable):
        # health.py connects through the Celery app; it must see the overridden broker, or this test proves nothing.
        assert broker_from_settings.conf.broker_url == unreachable
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] != "ok"


# --- gunicorn and the web health check, for real --------------------------------------------------------------------


def test_probe_host_is_accepted_by_allowed_hosts():
    probe_host = load_healthcheck_module().probe_host
    assert probe_host("zyz.example.cn, other.example.cn") == "zyz.example.cn"
    assert probe_host(" .example.cn") == "example.cn"
    assert probe_host("*") == "localhost"
    assert probe_host("") == "localhost"


def test_gunicorn_config_serves_readyz_over_plain_http_in_production_mode(tmp_path):
    port = free_port()
    # memory:// is a real broker transport that needs no server, so /readyz checks database and broker.
    env = production_env(tmp_path, CELERY_BROKER_URL="memory://", PORT=str(port), WEB_CONCURRENCY="1")
    env["XDG_RUNTIME_DIR"] = str(tmp_path)  # gunicorn's control socket, instead of ~/.gunicorn
    argv = json.loads(dict(dockerfile_instructions())["CMD"])
    log = tmp_path / "gunicorn.log"
    process = start([sys.executable, "-m", *argv], env=env, log=log)
    probe = [sys.executable, "deploy/healthcheck.py"]
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            result = subprocess.run(  # noqa: S603 - fixed argv
                [*probe, "/healthz"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
            )
            if result.returncode == 0:
                break
            assert time.monotonic() < deadline, result.stdout + log.read_text()
            time.sleep(0.3)

        # The compose health check, verbatim.
        result = subprocess.run(  # noqa: S603 - fixed argv
            shlex.split(healthcheck_command("web")), cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stdout + log.read_text()
        assert '"database": "ok"' in result.stdout

        # Everything else is redirected to HTTPS: the probe works only because of the exemption in settings.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "zyz.example.cn"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), load_healthcheck_module()._NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=10)
        redirect.value.close()
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == "https://zyz.example.cn/"
    finally:
        stop(process)
    output = log.read_text()
    assert '"GET /readyz HTTP/1.1" 200' in output, "access log goes to stdout"
    assert "Traceback" not in output


def test_web_healthcheck_fails_when_nothing_listens(tmp_path):
    env = production_env(tmp_path, PORT=str(free_port()), HEALTHCHECK_TIMEOUT="2")
    result = subprocess.run(  # noqa: S603 - fixed argv
        shlex.split(healthcheck_command("web")), cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "unreachable" in result.stdout


# --- Celery worker and beat health checks against a real Redis ------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path):
    executable = shutil.which("redis-server")
    if executable is None:
        unavailable("redis-server is not installed")
    port = free_port()
    process = start(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        env=clean_env(),
        log=tmp_path / "redis.log",
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "redis.log").read_text()
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


def _wait_for_healthcheck(command: str, env: dict[str, str], process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text()
        result = subprocess.run(  # noqa: S603 - the compose health check, run by a shell as Docker does
            ["/bin/sh", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode == 0:
            return result.stdout
        assert time.monotonic() < deadline, result.stdout + result.stderr + log.read_text()
        time.sleep(1)


@pytest.mark.services
def test_worker_and_beat_answer_their_compose_healthchecks(tmp_path, redis_server):
    # Docker sets HOSTNAME to the container's host name, which is also the one Celery names its nodes after.
    env = production_env(tmp_path, REDIS_URL=redis_server, HOSTNAME=socket.gethostname())
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker_argv = [*render(SERVICES["worker"]["command"], {}), "--pool", "solo", "--without-mingle"]
    beat_argv = render(SERVICES["beat"]["command"], {})
    beat_argv[beat_argv.index("--schedule") + 1] = str(tmp_path / "celerybeat-schedule")
    # As the compose `migrate` service does before beat starts: beat reads its schedule from the database.
    migrated = manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    worker = start(worker_argv, env=env, log=worker_log)
    beat = start(beat_argv, env=env, log=beat_log)
    try:
        out = _wait_for_healthcheck(healthcheck_command("worker"), env, worker, worker_log)
        assert "pong" in out
        out = _wait_for_healthcheck(healthcheck_command("beat"), env, beat, beat_log)
        assert "pong" in out
        # ... and a node that does not answer fails the check.
        absent = healthcheck_command("worker").replace("celery@$HOSTNAME", "celery@no-such-node")
        absent = absent.replace("--timeout 10", "--timeout 1")
        result = subprocess.run(  # noqa: S603
            ["/bin/sh", "-c", absent], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode != 0
    finally:
        stop(worker)
        stop(beat)
