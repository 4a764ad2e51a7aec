"""The portal as it runs in production, for load and fault tests: gunicorn in production mode (DEBUG=0,
collected static files) in a subprocess, a private PostgreSQL cluster that a test may restart, and a small
HTTP client that keeps a session cookie and submits the portal's own forms with their CSRF token."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from .services import REPO, unavailable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(*, database_url: str, redis_url: str, static_root: Path, media_root: Path, secret_key: str):
    """What deploy/env.example asks for, pointed at the test's database, Redis and directories."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_ALLOW_ASYNC"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(media_root),
        # TLS is the reverse proxy's job; the tests talk plain HTTP to gunicorn, as the proxy does.
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def collect_static(static_root: Path, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )


class Gunicorn:
    """``gunicorn --config deploy/gunicorn.conf.py yuncheng_towns.wsgi`` on a free local port."""

    def __init__(self, env: dict[str, str], *, workers: int = 3, log_name: str = "gunicorn"):
        self.port = free_port()
        self.log = REPO / "test-artifacts" / f"{log_name}-{self.port}.log"
        self.log.parent.mkdir(exist_ok=True)
        self._log_handle = self.log.open("wb")
        env = {**env, "WEB_CONCURRENCY": str(workers), "GUNICORN_LOG_LEVEL": "warning"}
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                "yuncheng_towns.wsgi",
            ],
            cwd=REPO,
            env=env,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log_tail()}")
            try:
                if HttpUser(self.port).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout}s: {self.log_tail()}")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_handle.close()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster of its own (initdb in a temporary directory, a free port), so that a test
    can stop and restart the server without touching the one everything else uses."""

    def __init__(self):
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not versions:
            unavailable("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) not found")
        self.bin = versions[-1].parent
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
        self.root = root = Path(tempfile.mkdtemp(prefix="yuncheng-pg-"))
        self.data = root / "data"
        self.port = free_port()
        self.log = root / "server.log"
        root.mkdir(parents=True, exist_ok=True)
        self._as_owner = []
        if os.geteuid() == 0:  # initdb refuses to run as root; the cluster belongs to the postgres account
            shutil.chown(root, "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as_owner, *argv], check=True, capture_output=True, cwd=self.root)  # noqa: S603

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *args)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        """A fast shutdown, as ``systemctl restart postgresql`` does: open sessions are cut off."""
        self._pg_ctl("stop", "-m", "fast")

    def create_database(self) -> None:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "portal")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class _Forms(HTMLParser):
    """The forms of a page: their action and the values a browser would send unchanged."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": (a.get("method") or "get").lower(), "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self.forms[-1]["fields"][self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1]["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.forms[-1]["fields"].setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea" and self._textarea:
            fields = self.forms[-1]["fields"]
            fields[self._textarea] = fields[self._textarea].removeprefix("\n")  # as a browser does
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class HttpUser:
    """One person at a browser (a session cookie) or an API client (a token), on one keep-alive connection."""

    def __init__(self, port: int, *, session: str | None = None, token: str | None = None, timeout: float = 60):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {"sessionid": session} if session else {}
        self.token = token
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                raw = self._conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn closed an idle keep-alive connection: a browser reconnects and sends again. Only
                # requests the server never answered are resent, so this cannot duplicate a write.
                self.close()
                if attempt == 2:
                    raise
                continue
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
            for cookie in raw.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response_headers.get("connection", "").lower() == "close":
                self.close()
            return Response(raw.status, response_headers, data)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, payload: dict) -> Response:
        return self.request(
            "POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json; charset=utf-8"}
        )

    def submit(
        self,
        path: str,
        changes: dict[str, str | list[str]],
        *,
        fill: Callable[[dict], dict] | None = None,
        form_action: str | None = None,
    ) -> Response:
        """Open the page at ``path``, take its form (the one posting to ``form_action``, else to the page itself),
        change ``changes`` (and what ``fill`` returns for the form's fields) and send it, with the CSRF token the
        page carries."""
        page = self.get(path)
        if page.status != 200:
            return page
        parser = _Forms()
        parser.feed(page.text)
        wanted = {form_action} if form_action else {None, "", path}  # the page's own form, not e.g. the logout
        forms = [f for f in parser.forms if f["method"] == "post" and f["action"] in wanted]
        if not forms:
            raise AssertionError(f"no POST form on {path}")
        form = forms[0]
        fields: dict[str, str | list[str]] = {**form["fields"], **changes}
        if fill is not None:
            fields.update(fill(fields))
        body = urlencode([(k, v) for k, vs in fields.items() for v in (vs if isinstance(vs, list) else [vs])])
        action = form["action"] or path
        return self.request(
            "POST",
            urlsplit(action).path if action.startswith("http") else action,
            body.encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{self.port}",
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def redirect_target(response: Response) -> str:
    return response.headers.get("location", "")


def pk_from(location: str, pattern: str) -> int:
    match = re.search(pattern, location)
    if not match:
        raise AssertionError(f"{location!r} does not match {pattern!r}")
    return int(match.group(1))
